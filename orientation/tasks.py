"""Celery tasks of orientation: they take ids and call a service."""

from celery import shared_task

from .models import Appointment, Referral, ReminderKind
from .services import beneficiaries_purge as purge
from .services import (
    referral_notify_mediator,
    referrals_lapse_overdue,
    reminder_send,
    reminders_send_due,
)


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


@shared_task
def reminder_missed_send(appointment_id: int) -> int:
    """The "remind the person" of a missed appointment (sent once: ``reminder_send``)."""
    appointment = (
        Appointment.objects.select_related(
            "referral__beneficiary", "referral__place__commune", "referral__from_organisation"
        )
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        return 0
    return reminder_send(
        kind=ReminderKind.MISSED, referral=appointment.referral, appointment=appointment
    )
