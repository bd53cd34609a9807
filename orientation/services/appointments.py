"""Appointments at referral: the front desk books a slot of the referral's place with the
person (step 4 of the flow, or later to rebook); the mediator marks it held (the referral's
first session) or missed."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from passnum.directory.availability import slot_occurrence_error, slot_starts_at
from passnum.directory.models import PlaceSlot
from passnum.organisations.roles import is_front_desk_agent, is_mediator_member

from .. import journal
from ..models import (
    OPEN_REFERRAL_STATES,
    Appointment,
    AppointmentState,
    Referral,
)
from .referrals import referral_create, referral_first_session_held


def appointment_when(starts_at) -> str:
    """An appointment's date and time in French, Europe/Paris: "mardi 8 décembre 2026 à 14 h 00"."""
    local = timezone.localtime(starts_at)
    return f"{date_format(local, 'l j F Y')} à {local:%H} h {local:%M}"


def _book_locked(*, referral: Referral, slot_id: int, day: datetime.date, membership, rebooks=None):
    """Book under the slot's row lock: two desks booking the last seat of one slot at once are
    served one after the other, and the second one finds it full."""
    slot = (
        PlaceSlot.objects.select_for_update()
        .select_related("place")
        .filter(pk=slot_id, place_id=referral.place_id)
        .first()
    )
    if slot is None:
        raise ValidationError({"slot": "Ce créneau n'est pas un créneau du lieu choisi."})
    if error := slot_occurrence_error(slot, day):
        raise ValidationError({"slot": error})
    starts_at = slot_starts_at(slot, day)
    taken = Appointment.objects.taking_seats().filter(slot=slot, starts_at=starts_at).count()
    if taken >= slot.capacity:
        raise ValidationError({"slot": "Ce créneau est complet : choisissez-en un autre."})
    appointment = Appointment.objects.create(
        referral=referral,
        slot=slot,
        starts_at=starts_at,
        duration_minutes=slot.duration_minutes,
        booked_by=membership.user,
        booked_by_organisation=membership.organisation,
        rebooks=rebooks,
    )
    journal.APPOINTMENT_BOOKED.record(
        actor=membership.user,
        organisation=membership.organisation,
        target=appointment,
        when=appointment_when(starts_at),
        place=slot.place.name,
    )
    return appointment


def _front_desk_of(referral: Referral, membership) -> None:
    if not is_front_desk_agent(membership) or membership.organisation_id != (
        referral.from_organisation_id
    ):
        raise ValidationError("Seul l'accueil qui a orienté la personne prend son rendez-vous.")


def appointment_book(*, referral: Referral, slot_id: int, day, membership) -> Appointment:
    """The front desk that made the referral books an appointment for the person.

    Rules: the referral is still open (proposed or accepted) and has no appointment booked
    already (rebook it instead: ``appointment_rebook``; a database constraint backs it); the
    slot is one of the referral's place's and ``slot_occurrence_error`` accepts the day (the
    place takes appointments, not closed, not past); fewer appointments booked or held at that
    slot and time than its capacity, counted under the slot's row lock. Journaled."""
    _front_desk_of(referral, membership)
    if referral.state not in OPEN_REFERRAL_STATES:
        raise ValidationError({"slot": "Cette orientation est close : pas de rendez-vous."})
    with transaction.atomic():
        if referral.appointments.filter(state=AppointmentState.BOOKED).exists():
            raise ValidationError({"slot": "Un rendez-vous est déjà pris : modifiez-le."})
        return _book_locked(referral=referral, slot_id=slot_id, day=day, membership=membership)


def referral_create_with_appointment(
    *, beneficiary, place, membership, assessment=None, slot_id=None, day=None
):
    """Step 4 of the flow: refer the person (``referral_create``) and, when a slot was chosen,
    book it (``appointment_book``), all or nothing: a full slot leaves no referral behind."""
    with transaction.atomic():
        referral = referral_create(
            beneficiary=beneficiary, place=place, membership=membership, assessment=assessment
        )
        if slot_id is not None:
            appointment_book(referral=referral, slot_id=slot_id, day=day, membership=membership)
    return referral


def appointment_rebook(*, referral: Referral, slot_id: int, day, membership) -> Appointment:
    """The front desk gives the person another appointment (the first was missed, or does not
    suit). Rules: as ``appointment_book``; an appointment still booked is cancelled (replaced)
    and the new one says which it replaces; a missed one stays missed. Journaled."""
    _front_desk_of(referral, membership)
    if referral.state not in OPEN_REFERRAL_STATES:
        raise ValidationError({"slot": "Cette orientation est close : pas de rendez-vous."})
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        previous = (
            locked.appointments.exclude(state=AppointmentState.CANCELLED)
            .filter(rebooked_as__isnull=True)
            .order_by("-starts_at")
            .first()
        )
        if previous is not None and previous.state == AppointmentState.HELD:
            raise ValidationError({"slot": "Le rendez-vous a été honoré : plus rien à reprendre."})
        if previous is not None and previous.state == AppointmentState.BOOKED:
            previous.state = AppointmentState.CANCELLED
            previous.state_changed_at = timezone.now()
            previous.save(update_fields=["state", "state_changed_at"])
        appointment = _book_locked(
            referral=locked, slot_id=slot_id, day=day, membership=membership, rebooks=previous
        )
        if previous is not None:
            journal.APPOINTMENT_REBOOKED.record(
                actor=membership.user,
                organisation=membership.organisation,
                target=previous,
                when=appointment_when(appointment.starts_at),
            )
    return appointment


def _mark(appointment: Appointment, membership, state) -> Appointment:
    if not is_mediator_member(membership) or (
        membership.organisation_id != appointment.referral.mediator_id
    ):
        raise ValidationError("Ce rendez-vous n'est pas à votre structure.")
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.state != AppointmentState.BOOKED:
            raise ValidationError(
                f"Ce rendez-vous est déjà noté « {locked.get_state_display().lower()} »."
            )
        if timezone.localdate(locked.starts_at) > timezone.localdate():
            raise ValidationError("Ce rendez-vous n'a pas encore eu lieu.")
        locked.state = state
        locked.state_changed_at = timezone.now()
        locked.save(update_fields=["state", "state_changed_at"])
        event = (
            journal.APPOINTMENT_HELD
            if state == AppointmentState.HELD
            else (journal.APPOINTMENT_MISSED)
        )
        event.record(actor=membership.user, organisation=membership.organisation, target=locked)
        if state == AppointmentState.HELD:
            referral_first_session_held(referral=locked.referral, membership=membership)
    appointment.state, appointment.state_changed_at = locked.state, locked.state_changed_at
    return appointment


def appointment_held(*, appointment: Appointment, membership) -> Appointment:
    """The mediator notes that the person came. Rules: only the referral's mediator, a booked
    appointment of today or before (Europe/Paris); held is the referral's first session
    (``referral_first_session_held``, which accepts a referral still proposed)."""
    return _mark(appointment, membership, AppointmentState.HELD)


def appointment_missed(*, appointment: Appointment, membership) -> Appointment:
    """The mediator notes that the person did not come. Rules: as ``appointment_held``; the
    front desk may then rebook it (``appointment_rebook``)."""
    return _mark(appointment, membership, AppointmentState.MISSED)
