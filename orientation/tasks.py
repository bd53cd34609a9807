"""Celery tasks of orientation: they take ids and call a service."""

from celery import shared_task

from .models import Referral
from .services import beneficiaries_purge as purge
from .services import referral_notify_mediator, referrals_lapse_overdue, reminders_send_due


@shared_task
def referral_notify(referral_id: int) -> int:
    referral = (
        Referral.objects.select_related("place", "mediator", "from_organisation")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        return 0
    return referral_notify_mediator(referral=referral)


@shared_task
def referrals_lapse() -> int:
    """Daily (beat): referrals left without answer or without a first session lapse."""
    return referrals_lapse_overdue()


@shared_task
def beneficiaries_purge() -> int:
    """Daily (beat): anonymise people after the retention period."""
    return purge()


@shared_task
def reminders_send() -> int:
    """Daily (beat): the reminders due to people (the eve of an appointment, a week without a
    session), each sent once however often this runs."""
    return reminders_send_due()
