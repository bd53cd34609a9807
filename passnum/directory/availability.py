"""A place's availability for appointments: weekly slots (length, capacity) and closures, or
no appointments at all. The mediator's admin edits it; orientation books appointments in it
(``orientation.services.appointments``), which alone knows how many seats are taken."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from passnum.core.dates import PARIS

from . import journal
from .models import Place, PlaceClosure, PlaceSlot
from .services import NOT_THIS_MEDIATOR, may_edit_mediator

#: How far ahead the front desk is offered slots (days, today included).
BOOKING_HORIZON_DAYS = 28


@dataclass(frozen=True)
class SlotOccurrence:
    """One occurrence of a weekly slot: the slot and the day it falls on."""

    slot: PlaceSlot
    day: datetime.date

    @property
    def starts_at(self) -> datetime.datetime:
        return slot_starts_at(self.slot, self.day)

    @property
    def value(self) -> str:
        """How a form names it: ``<slot id>:<YYYY-MM-DD>``."""
        return f"{self.slot.pk}:{self.day.isoformat()}"


def slot_starts_at(slot: PlaceSlot, day: datetime.date) -> datetime.datetime:
    """The instant ``slot`` starts on ``day``, Europe/Paris."""
    return datetime.datetime.combine(day, slot.start_time, tzinfo=PARIS)


def place_closed_on(closures, day: datetime.date) -> bool:
    return any(c.start_date <= day <= c.end_date for c in closures)


def slot_occurrence_error(slot: PlaceSlot, day: datetime.date, *, now=None) -> str | None:
    """Rule: an appointment is booked in an active weekly slot of a place that takes
    appointments, on a day of the slot's weekday, not during one of the place's closures, not
    in the past and at most BOOKING_HORIZON_DAYS days ahead. Returns the French refusal, or
    None (capacity is counted by orientation, under the slot's row lock)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not slot.place.takes_appointments or not slot.place.is_active:
        return "Ce lieu ne prend pas de rendez-vous."
    if not slot.is_active:
        return "Ce créneau n'est plus proposé par le lieu."
    if day.weekday() != slot.weekday:
        return "Ce créneau n'existe pas ce jour-là."
    if slot_starts_at(slot, day) <= now:
        return "Ce créneau est déjà passé : choisissez-en un autre."
    if day > today + datetime.timedelta(days=BOOKING_HORIZON_DAYS):
        return f"Un rendez-vous se prend au plus {BOOKING_HORIZON_DAYS} jours à l'avance."
    if place_closed_on(slot.place.closures.all(), day):
        return "Le lieu est fermé ce jour-là."
    return None


def slot_occurrences(places, *, now=None, days=BOOKING_HORIZON_DAYS) -> dict[int, list]:
    """The coming occurrences of the active slots of ``places`` that take appointments, by
    place id, soonest first: from now to ``days`` days ahead, closures left out (two queries
    whatever the number of places)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = [p.pk for p in places if p.takes_appointments]
    slots = list(PlaceSlot.objects.filter(place_id__in=ids, is_active=True).select_related("place"))
    closures: dict[int, list] = {}
    for closure in PlaceClosure.objects.filter(
        place_id__in=ids, end_date__gte=today, start_date__lte=today + datetime.timedelta(days)
    ):
        closures.setdefault(closure.place_id, []).append(closure)
    result: dict[int, list] = {pk: [] for pk in ids}
    for offset in range(days + 1):
        day = today + datetime.timedelta(days=offset)
        for slot in slots:
            if slot.weekday != day.weekday() or place_closed_on(
                closures.get(slot.place_id, ()), day
            ):
                continue
            if slot_starts_at(slot, day) > now:
                result[slot.place_id].append(SlotOccurrence(slot, day))
    for occurrences in result.values():
        occurrences.sort(key=lambda o: o.starts_at)
    return result


def slot_occurrence_parse(value: str) -> tuple[int, datetime.date] | None:
    """Read ``<slot id>:<YYYY-MM-DD>`` (a form's value); None when unreadable."""
    try:
        slot_id, day = (value or "").split(":", 1)
        return int(slot_id), datetime.date.fromisoformat(day)
    except ValueError:
        return None


# --- Writes (the mediator's admin, or a programme manager) ------------------------------------


def _may_edit(place: Place, membership) -> None:
    if not may_edit_mediator(membership, place.organisation):
        raise ValidationError(NOT_THIS_MEDIATOR)


def place_appointments_set(*, place: Place, membership, takes_appointments: bool) -> Place:
    """A place says whether it takes appointments (its slots are then offered at referral)."""
    _may_edit(place, membership)
    with transaction.atomic():
        place.takes_appointments = bool(takes_appointments)
        place.save(update_fields=["takes_appointments", "updated_at"])
        journal.PLACE_APPOINTMENTS_SET.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=place,
            state="oui" if place.takes_appointments else "non",
        )
    return place


def place_slot_add(
    *, place: Place, membership, weekday: int, start_time, duration_minutes: int, capacity: int
) -> PlaceSlot:
    """Add a weekly slot. Rules: 5 to 480 minutes, at least one person, one active slot per
    weekday and start time (database constraints too)."""
    _may_edit(place, membership)
    errors = {}
    if not duration_minutes or not 5 <= duration_minutes <= 480:
        errors["duration_minutes"] = "Un créneau dure de 5 à 480 minutes."
    if not capacity or capacity < 1:
        errors["capacity"] = "Un créneau accueille au moins une personne."
    if weekday not in range(7):
        errors["weekday"] = "Choisissez un jour de la semaine."
    if (
        not errors
        and place.slots.filter(is_active=True, weekday=weekday, start_time=start_time).exists()
    ):
        errors["start_time"] = "Ce lieu a déjà un créneau ce jour à cette heure."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        slot = PlaceSlot.objects.create(
            place=place,
            weekday=weekday,
            start_time=start_time,
            duration_minutes=duration_minutes,
            capacity=capacity,
        )
        journal.PLACE_SLOT_ADDED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=place,
            slot=str(slot),
            capacity=capacity,
        )
    return slot


def place_slot_remove(*, slot: PlaceSlot, membership) -> None:
    """Stop offering a weekly slot. The appointments already booked in it stay."""
    _may_edit(slot.place, membership)
    with transaction.atomic():
        slot.is_active = False
        slot.save(update_fields=["is_active"])
        journal.PLACE_SLOT_REMOVED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=slot.place,
            slot=str(slot),
        )


def place_closure_add(
    *, place: Place, membership, start_date, end_date, reason: str = ""
) -> PlaceClosure:
    """Close a place to appointments from ``start_date`` to ``end_date`` (both included).
    Appointments already booked in those days are not cancelled: the mediator calls them."""
    _may_edit(place, membership)
    if end_date < start_date:
        raise ValidationError({"end_date": "La fin de la fermeture précède son début."})
    with transaction.atomic():
        closure = PlaceClosure.objects.create(
            place=place, start_date=start_date, end_date=end_date, reason=(reason or "")[:120]
        )
        journal.PLACE_CLOSURE_ADDED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=place,
            closure=str(closure),
        )
    return closure


def place_closure_remove(*, closure: PlaceClosure, membership) -> None:
    _may_edit(closure.place, membership)
    with transaction.atomic():
        text = str(closure)
        place = closure.place
        closure.delete()
        journal.PLACE_CLOSURE_REMOVED.record(
            actor=membership.user, organisation=membership.organisation, target=place, closure=text
        )
