"""Appointments in the figures: the referrals' funnel (referred → appointment booked → held →
first session) and the radar's missed appointments. Read live, in one query each."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from orientation.models import (
    OPEN_REFERRAL_STATES,
    Appointment,
    AppointmentState,
    Referral,
    ReferralState,
)
from passnum.core.dates import paris_midnight

from .scope import Filters, live_epci_filter

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


def referral_funnel(filters: Filters) -> list[tuple[str, int]]:
    """The referrals' funnel, to date: referrals made; with an appointment booked (ever, a
    replaced one counting once); with an appointment held; whose first session was held
    (with or without appointment: a redemption or an activity records it too)."""
    booked = Appointment.objects.filter(referral=OuterRef("pk")).exclude(
        state=AppointmentState.CANCELLED
    )
    held = Appointment.objects.filter(referral=OuterRef("pk"), state=AppointmentState.HELD)
    figures = (
        referrals_in_scope(filters)
        .annotate(has_booked=Exists(booked), has_held=Exists(held))
        .aggregate(
            referrals=Count("id"),
            booked=Count("id", filter=Q(has_booked=True)),
            held=Count("id", filter=Q(has_held=True)),
            first_session=Count("id", filter=Q(state__in=FIRST_SESSION_STATES)),
        )
    )
    return [
        ("Orientations", figures["referrals"]),
        ("Rendez-vous pris", figures["booked"]),
        ("Rendez-vous honorés", figures["held"]),
        ("Première séance faite", figures["first_session"]),
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
