"""Celery tasks of reporting: they take ids and call a service (services queue them lazily)."""

from celery import shared_task

from . import services, summaries


@shared_task
def summaries_refresh() -> None:
    """Rebuild the dashboard's tallies (Celery beat, every few minutes, and on demand)."""
    summaries.summaries_refresh()


@shared_task
def front_desk_remind_send(organisation_id: int, topic: str, count: int, membership_id: int):
    services.front_desk_reminder_send(
        organisation_id=organisation_id, topic=topic, count=count, membership_id=membership_id
    )


@shared_task
def report_generate(report_id: int) -> None:
    services.report_generate(report_id=report_id)


@shared_task
def export_run(job_id: int) -> None:
    services.export_run(job_id=job_id)


@shared_task
def referral_remind_send(referral_id: int, membership_id: int):
    services.referral_reminder_send(referral_id=referral_id, membership_id=membership_id)
