"""Appointments in the figures: the referrals' funnel (referred → appointment booked → held →
first session), from the referral tally (``ReferralTally``: rebuilt by the summary job, with
the rules below), and the radar's missed appointments, read live like the list they count."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from orientation.models import (
    OPEN_REFERRAL_STATES,
    Appointment,
    AppointmentState,
    Referral,
    ReferralState,
)
from passnum.core.dates import paris_midnight

from ..models import ReferralTally
from .scope import Filters, live_epci_filter, tally_rows

#: A first session held: the referral reached "first session" (or was completed since).
FIRST_SESSION_STATES = (ReferralState.FIRST_SESSION, ReferralState.COMPLETED)


def referrals_in_scope(filters: Filters):
    """The referrals the filters select (an EPCI's: made by its desks, at its places or for its
    residents; a side: its desks'; an organisation: made or received by it; a vintage: the
    chequebook they came with)."""
    qs = Referral.objects.filter(live_epci_filter(Referral, filters))
    if filters.side:
        qs = qs.filter(from_organisation__side=filters.side)
    if filters.organisation_id:
        qs = qs.filter(
            Q(from_organisation_id=filters.organisation_id) | Q(mediator_id=filters.organisation_id)
        )
    if filters.vintage_id:
        qs = qs.filter(chequebook__vintage_id=filters.vintage_id)
    return qs


def referral_booked_q(referral="pk") -> Exists:
    """Rule (« rendez-vous pris »): the referral had an appointment booked, ever, not
    cancelled (a replaced one counting once). ``referral``: the referral's id in the outer
    query."""
    return Exists(
        Appointment.objects.filter(referral=OuterRef(referral)).exclude(
            state=AppointmentState.CANCELLED
        )
    )


def referral_held_q(referral="pk") -> Exists:
    """Rule (« rendez-vous honorés »): one of the referral's appointments was noted held."""
    return Exists(
        Appointment.objects.filter(referral=OuterRef(referral), state=AppointmentState.HELD)
    )


def referral_funnel(filters: Filters) -> list[tuple[str, int]]:
    """The referrals' funnel, to date, from the tallies (``ReferralTally``, as of the last
    summary run): referrals made; with an appointment booked (``referral_booked_q``); with an
    appointment held (``referral_held_q``); whose first session was held (with or without
    appointment: a redemption or an activity records it too). The referrals are those of
    ``referrals_in_scope``: the tally's EPCI, side and organisation columns are its lookups,
    and a vintage is the one of the chequebook the referral came with."""
    rows = tally_rows(ReferralTally, filters)
    if filters.vintage_id:
        rows = rows.filter(vintage_id=filters.vintage_id)
    figures = rows.aggregate(
        n_referrals=Sum("referrals"),
        n_booked=Sum("booked"),
        n_held=Sum("held"),
        n_first_session=Sum("referrals", filter=Q(state__in=FIRST_SESSION_STATES)),
    )
    return [
        ("Orientations", figures["n_referrals"] or 0),
        ("Rendez-vous pris", figures["n_booked"] or 0),
        ("Rendez-vous honorés", figures["n_held"] or 0),
        ("Première séance faite", figures["n_first_session"] or 0),
    ]


def radar_missed_appointments(filters: Filters, *, today=None):
    """Rule: a missed appointment shows on the radar once PASSNUM_RADAR_MISSED_APPOINTMENT_DAYS
    days have passed since it was noted missed (from 00:00 Europe/Paris) without the front desk
    rebooking it, while its referral is still open. Read live: the radar's number counts this
    very list."""
    today = today or timezone.localdate()
    cutoff = paris_midnight(
        today - timedelta(days=settings.PASSNUM_RADAR_MISSED_APPOINTMENT_DAYS - 1)
    )
    return (
        Appointment.objects.filter(
            state=AppointmentState.MISSED,
            state_changed_at__lt=cutoff,
            rebooked_as__isnull=True,
            referral__in=referrals_in_scope(filters).filter(state__in=OPEN_REFERRAL_STATES),
        )
        .select_related("referral__from_organisation", "slot__place", "referral__beneficiary")
        .order_by("starts_at", "id")
    )
