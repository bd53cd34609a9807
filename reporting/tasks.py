from celery import shared_task


@shared_task
def summaries_refresh() -> None:
    """Rebuild the dashboard's tallies (Celery beat, every few minutes, and on demand)."""
    from .summaries import summaries_refresh as refresh

    refresh()


@shared_task
def front_desk_remind_send(organisation_id: int, topic: str, count: int, membership_id: int):
    from .services import front_desk_reminder_send

    front_desk_reminder_send(
        organisation_id=organisation_id, topic=topic, count=count, membership_id=membership_id
    )


@shared_task
def report_generate(report_id: int) -> None:
    from .services import report_generate as generate

    generate(report_id=report_id)


@shared_task
def export_run(job_id: int) -> None:
    from .services import export_run as run

    run(job_id=job_id)


@shared_task
def referral_remind_send(referral_id: int, membership_id: int):
    from .services import referral_reminder_send

    referral_reminder_send(referral_id=referral_id, membership_id=membership_id)
