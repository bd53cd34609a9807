"""Demo data of issue 14: places with weekly slots and a closure, appointments booked (one
today, one tomorrow), held and missed (one on the radar), reminders sent, and progress recorded
at the demo's sessions. Idempotent; runs after the mediation demo's activity."""

import datetime

from django.db.models import Q
from django.utils import timezone

from orientation.models import (
    OPEN_REFERRAL_STATES,
    Appointment,
    AppointmentState,
    Referral,
    ReferralState,
    Reminder,
    ReminderChannel,
    ReminderKind,
)
from passnum.directory.availability import slot_starts_at
from passnum.directory.models import Place, PlaceClosure, PlaceSlot, QualificationStatus

from .models import Activity, NextStep, ProgressLevel

#: (weekday, start, minutes, capacity): Monday to Friday at 14:00 for one person, and a
#: Thursday morning group session.
DEMO_SLOTS = [(day, datetime.time(14), 60, 2) for day in range(5)] + [(3, datetime.time(10), 90, 4)]
#: The levels noted at a person's successive sessions (the demo's progress).
DEMO_PROGRESS = [
    (ProgressLevel.GUIDED, NextStep.ANOTHER_SESSION),
    (ProgressLevel.AUTONOMOUS_WITH_HELP, NextStep.ANOTHER_SESSION),
    (ProgressLevel.AUTONOMOUS, NextStep.AUTONOMOUS),
]


def _places():
    """The qualified mediators' places people were referred to (the demo's appointments need
    referrals), at most six."""
    return list(
        Place.objects.filter(
            is_active=True,
            organisation__mediator_profile__qualification_status=QualificationStatus.QUALIFIED,
            referrals__isnull=False,
        )
        .distinct()
        .order_by("organisation__name", "name")[:6]
    )


def _slots(ctx, places) -> None:
    for place in places:
        if place.slots.exists():
            continue
        place.takes_appointments = True
        place.save(update_fields=["takes_appointments"])
        PlaceSlot.objects.bulk_create(
            PlaceSlot(
                place=place,
                weekday=weekday,
                start_time=start,
                duration_minutes=minutes,
                capacity=capacity,
            )
            for weekday, start, minutes, capacity in DEMO_SLOTS
        )
        first = ctx.today + datetime.timedelta(days=40)
        PlaceClosure.objects.create(
            place=place,
            start_date=first,
            end_date=first + datetime.timedelta(days=4),
            reason="Formation de l'équipe",
        )


def _slot_on(place, day):
    return place.slots.filter(weekday=day.weekday(), start_time=datetime.time(14)).first()


def _appointment(referral, slot, day, state, *, changed_days_ago=0):
    starts_at = slot_starts_at(slot, day)
    changed = None
    if state != AppointmentState.BOOKED:
        changed = timezone.now() - datetime.timedelta(days=changed_days_ago)
    return Appointment.objects.create(
        referral=referral,
        slot=slot,
        starts_at=starts_at,
        duration_minutes=slot.duration_minutes,
        state=state,
        booked_by=referral.created_by,
        booked_by_organisation=referral.from_organisation,
        state_changed_at=changed,
    )


def _next_weekday(day):
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _previous_weekday(day):
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def _appointments(ctx, places) -> None:
    """Rows written directly: the demo's past is not bookable any more (the service books
    future slots only, and is what the pages use)."""
    if Appointment.objects.exists():
        return
    referrals = Referral.objects.filter(place__in=places).select_related("place", "beneficiary")
    open_ones = list(referrals.filter(state__in=OPEN_REFERRAL_STATES).order_by("created_at"))
    held_ones = list(
        referrals.filter(state__in=(ReferralState.FIRST_SESSION, ReferralState.COMPLETED)).order_by(
            "created_at"
        )
    )
    today = ctx.today
    plan = [
        # (referral, day, state, days since it was noted)
        (today if today.weekday() < 5 else _next_weekday(today), AppointmentState.BOOKED, 0),
        (_next_weekday(today + datetime.timedelta(days=1)), AppointmentState.BOOKED, 0),
        (_previous_weekday(today - datetime.timedelta(days=6)), AppointmentState.MISSED, 5),
    ]
    for referral, (day, state, ago) in zip(open_ones, plan, strict=False):
        slot = _slot_on(referral.place, day)
        if slot is not None:
            _appointment(referral, slot, day, state, changed_days_ago=ago)
    for index, referral in enumerate(held_ones[:3]):
        day = _previous_weekday(today - datetime.timedelta(days=20 + 7 * index))
        slot = _slot_on(referral.place, day)
        if slot is not None:
            _appointment(referral, slot, day, AppointmentState.HELD, changed_days_ago=20)


def _reminders() -> None:
    """The reminders the demo's past would have sent (the eve of the held appointments)."""
    if Reminder.objects.exists():
        return
    for appointment in Appointment.objects.filter(
        state=AppointmentState.HELD, referral__beneficiary__contact_consent=True
    ).select_related("referral"):
        person = appointment.referral.beneficiary
        for channel, address in (
            (ReminderChannel.EMAIL, person.email),
            (ReminderChannel.SMS, person.phone),
        ):
            if address:
                Reminder.objects.create(
                    key=f"{ReminderKind.APPOINTMENT_EVE}:{appointment.pk}:{channel}",
                    kind=ReminderKind.APPOINTMENT_EVE,
                    channel=channel,
                    beneficiary=person,
                    referral=appointment.referral,
                    appointment=appointment,
                )


def _progress() -> None:
    """Each demo person's sessions get the levels of DEMO_PROGRESS in turn (every third person
    stays at the first level: not everyone progresses)."""
    if Activity.objects.exclude(progress_level="").exists():
        return
    rows = (
        Activity.participants.through.objects.filter(~Q(activity__kind=Activity.Kind.WORKSHOP))
        .order_by("beneficiary_id", "activity__date", "activity_id")
        .values_list("beneficiary_id", "activity_id")
    )
    seen: dict[int, int] = {}
    for person, activity in rows:
        rank = seen.get(person, 0)
        seen[person] = rank + 1
        step = DEMO_PROGRESS[0 if person % 3 == 0 else min(rank, len(DEMO_PROGRESS) - 1)]
        Activity.objects.filter(pk=activity, progress_level="").update(
            progress_level=step[0], next_step=step[1]
        )


def load(ctx) -> None:
    """Issue 14's demo: slots, appointments, reminders, progress (idempotent)."""
    places = _places()
    _slots(ctx, places)
    _appointments(ctx, places)
    _reminders()
    _progress()
