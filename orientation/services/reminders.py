"""Reminders to the person: the only messages the programme sends to the people it helps.

What, when, to whom (README, "Reminders to the person"):

- the day before a booked appointment (``ReminderKind.APPOINTMENT_EVE``);
- 7 days after the hand-over of the chequebook a referral carries, when the referral is still
  open (no first session) and has no appointment (``ReminderKind.NO_SESSION``);
- on request, after a missed appointment not rebooked: "remind the person" on the radar
  (``ReminderKind.MISSED``).

Only to a person who accepted reminders (``contact_consent``), never to an anonymised one; by
e-mail when they gave an address and by SMS when they gave a mobile number
(``passnum.core.sms``). Each message is one ``Reminder`` row whose key is unique: it is sent
once, whatever retries of the task; it is journaled (kind and channel, never its text)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from passnum.core.dates import paris_midnight
from passnum.core.sms import sms_enabled, sms_number, sms_send
from passnum.people.models import BeneficiaryRef

from .. import journal
from ..models import (
    OPEN_REFERRAL_STATES,
    Appointment,
    AppointmentState,
    Referral,
    Reminder,
    ReminderChannel,
    ReminderKind,
)
from .appointments import appointment_when

#: Days after the hand-over without a session before the person is reminded, and the last day
#: it is still worth it (older hand-overs are left to the front desk).
NO_SESSION_DAYS = 7
NO_SESSION_UNTIL_DAYS = 14

STOP = "Pour ne plus recevoir ces rappels, dites-le à {desk}{desk_phone}."


def _stop(referral) -> str:
    desk = referral.from_organisation
    return STOP.format(desk=desk.name, desk_phone=f" au {desk.phone}" if desk.phone else "")


def reminder_text(kind: str, *, referral, appointment=None) -> str:
    """The message, short and plain, to be read aloud well, saying how to stop them."""
    place = referral.place
    phone = f" au {place.phone}" if place.phone else ""
    if kind == ReminderKind.APPOINTMENT_EVE:
        body = (
            f"Bonjour. Rappel du Pass numérique : vous avez rendez-vous demain, "
            f"{appointment_when(appointment.starts_at)}, à {place.name}, {place.address}, "
            f"{place.commune.name}. Apportez votre chéquier. "
            f"Si vous ne pouvez pas venir, appelez le lieu{phone}."
        )
    elif kind == ReminderKind.NO_SESSION:
        body = (
            "Bonjour. Vous avez reçu un chéquier Pass numérique il y a une semaine. "
            f"Pour votre première séance, appelez {place.name}{phone}. C'est gratuit pour vous."
        )
    else:
        desk = referral.from_organisation
        desk_phone = f" au {desk.phone}" if desk.phone else ""
        body = (
            "Bonjour. Vous n'avez pas pu venir à votre rendez-vous du Pass numérique. "
            f"Pour en prendre un autre, appelez {desk.name}{desk_phone}."
        )
    return f"{body} {_stop(referral)}"


def reminder_may_reach(beneficiary) -> bool:
    """Rule: a reminder goes only to a person who accepted reminders and is not anonymised."""
    return bool(beneficiary.contact_consent) and beneficiary.anonymised_at is None


def _channels(beneficiary) -> list[tuple[str, str]]:
    channels = []
    if beneficiary.email:
        channels.append((ReminderChannel.EMAIL, beneficiary.email))
    number = sms_number(beneficiary.phone)
    if number and sms_enabled():
        channels.append((ReminderChannel.SMS, number))
    return channels


def reminder_send(*, kind: str, referral: Referral, appointment=None) -> int:
    """Send one reminder of ``kind`` about ``referral`` (and ``appointment``) on each channel
    the person gave, once: the ``Reminder`` row is written before sending, under its unique
    key, in the same transaction, so a retried or parallel task finds it and sends nothing; a
    failed sending rolls it back, so the next run tries again. Returns how many were sent."""
    person = referral.beneficiary
    if not reminder_may_reach(person):
        return 0
    about = appointment.pk if appointment is not None else referral.pk
    text = reminder_text(kind, referral=referral, appointment=appointment)
    sent = 0
    for channel, address in _channels(person):
        key = f"{kind}:{about}:{channel}"
        if Reminder.objects.filter(key=key).exists():
            continue
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    key=key,
                    kind=kind,
                    channel=channel,
                    beneficiary=person,
                    referral=referral,
                    appointment=appointment,
                )
                if channel == ReminderChannel.EMAIL:
                    send_mail(
                        subject="Pass numérique : rappel",
                        message=text,
                        from_email=None,
                        recipient_list=[address],
                    )
                else:
                    sms_send(to=address, text=text)
                journal.REMINDER_SENT.record(
                    target=BeneficiaryRef.of(person),
                    kind=ReminderKind(kind).label,
                    channel=ReminderChannel(channel).label,
                )
        except IntegrityError:
            continue  # sent by a parallel run of the task
        sent += 1
    return sent


def reminders_due(*, now=None) -> list[tuple[str, Referral, Appointment | None]]:
    """The reminders due now: appointments booked for tomorrow (Europe/Paris) of referrals
    still open, and referrals
    still open without appointment whose chequebook was handed over 7 to 14 days ago. People
    without consent or anonymised are left out here already."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    tomorrow = today + datetime.timedelta(days=1)
    reachable = {"beneficiary__contact_consent": True, "beneficiary__anonymised_at__isnull": True}
    due = []
    appointments = Appointment.objects.filter(
        state=AppointmentState.BOOKED,
        referral__state__in=OPEN_REFERRAL_STATES,  # not once declined or lapsed
        starts_at__gte=paris_midnight(tomorrow),
        starts_at__lt=paris_midnight(tomorrow + datetime.timedelta(days=1)),
        **{f"referral__{k}": v for k, v in reachable.items()},
    ).select_related(
        "referral__beneficiary",
        "referral__place__commune",
        "referral__from_organisation",
    )
    due += [(ReminderKind.APPOINTMENT_EVE, a.referral, a) for a in appointments]
    referrals = (
        Referral.objects.filter(
            state__in=OPEN_REFERRAL_STATES,
            chequebook__handed_out_at__lt=paris_midnight(
                today - datetime.timedelta(days=NO_SESSION_DAYS - 1)
            ),
            chequebook__handed_out_at__gte=paris_midnight(
                today - datetime.timedelta(days=NO_SESSION_UNTIL_DAYS)
            ),
            **reachable,
        )
        .exclude(appointments__state__in=(AppointmentState.BOOKED, AppointmentState.HELD))
        .select_related("beneficiary", "place__commune", "from_organisation")
        .distinct()
    )
    due += [(ReminderKind.NO_SESSION, r, None) for r in referrals]
    return due


def reminders_send_due(*, now=None) -> int:
    """Daily (Celery beat): send the reminders due (``reminders_due``), each once."""
    return sum(
        reminder_send(kind=kind, referral=referral, appointment=appointment)
        for kind, referral, appointment in reminders_due(now=now)
    )


def appointment_remind_person(*, appointment: Appointment, membership) -> None:
    """ "Remind the person" of a missed appointment (the radar's action, by a programme manager
    or an EPCI coordinator; the view checks the appointment is on its radar). Rules: the
    person accepted reminders and is not anonymised (``reminder_may_reach``); once per
    appointment (the reminder's unique key). The message asks them to call the front desk for
    another appointment; it is sent by Celery after commit. Journaled (who asked)."""
    person = appointment.referral.beneficiary
    if not reminder_may_reach(person) or not _channels(person):
        raise ValidationError(
            "La personne n'a pas accepté les rappels (ou n'a ni e-mail ni portable) : "
            "demandez à l'accueil de l'appeler."
        )
    if Reminder.objects.filter(appointment=appointment, kind=ReminderKind.MISSED).exists():
        raise ValidationError("La personne a déjà reçu un rappel pour ce rendez-vous.")
    journal.REMINDER_ASKED.record(
        actor=membership.user, organisation=membership.organisation, target=appointment
    )
    # Lazy on purpose: the Celery task module imports these services.
    from ..tasks import reminder_missed_send

    transaction.on_commit(lambda: reminder_missed_send.delay(appointment.pk))
