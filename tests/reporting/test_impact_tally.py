"""The impact figures and the referrals' funnel come from the tallies (``ImpactTally``,
``ReferralTally``, rebuilt by the summary job): on one programme they equal the live
definition, computed here from the live tables as issue 14 first computed them, for every
filter of the dashboard and their combinations.

The programme holds what a sum of groups gets wrong: people with chequebooks of two vintages,
of two envelopes, held by one desk and handed out by another; sessions whose level rose, fell
or stayed, a next step "autonome"; paid and unpaid redemptions; a chequebook never handed out.
"""

import datetime
from collections import defaultdict

import pytest
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from mediation.models import PROGRESS_RANK, Activity, NextStep, ProgressLevel, Redemption
from mediation.models import StatementStatus as S
from orientation.models import Appointment, AppointmentState, ReferralState
from passnum.programme.models import Envelope
from passnum.territory.models import Commune, Side
from reporting.models import ImpactTally
from reporting.selectors import NO_EPCI, Filters, chequebooks_in_scope, impact_figures
from reporting.selectors.appointments import (
    FIRST_SESSION_STATES,
    referral_funnel,
    referrals_in_scope,
)
from reporting.selectors.impact import CD12_LABEL
from reporting.summaries import summaries_refresh
from tests.factories import (
    ActivityFactory,
    BeneficiaryFactory,
    ChequebookFactory,
    EpciFrontDeskFactory,
    FrontDeskFactory,
    HandedOutChequebookFactory,
    MediatorOrganisationFactory,
    ReferralFactory,
    StatementFactory,
    UserFactory,
    VintageFactory,
    place_with_slot,
    redemption_create,
)

pytestmark = pytest.mark.django_db

FIGURES = ("people", "with_session", "sessions", "rose", "autonomous", "counted", "paid_cents")


# --- The live definition (IMPACT_DEFINITION, as first read from the live tables) ----------------


def _live_progress(sessions) -> dict:
    ranks = [PROGRESS_RANK[level] for level, _ in sessions if level in PROGRESS_RANK]
    return {
        "sessions": len(sessions),
        "rose": len(ranks) >= 2 and ranks[-1] > ranks[0],
        "autonomous": any(
            level == ProgressLevel.AUTONOMOUS or step == NextStep.AUTONOMOUS
            for level, step in sessions
        ),
    }


def _live_row(label, people, progress, paid) -> dict:
    seen = [progress[p] for p in people if progress.get(p, {}).get("sessions")]
    return {
        "label": label,
        "people": len(people),
        "with_session": len(seen),
        "sessions": sum(p["sessions"] for p in seen),
        "rose": sum(1 for p in seen if p["rose"]),
        "autonomous": sum(1 for p in seen if p["autonomous"]),
        "counted": sum(1 for p in seen if p["rose"] or p["autonomous"]),
        "paid_cents": paid,
    }


def live_impact(filters) -> dict:
    handed = chequebooks_in_scope(filters).filter(
        beneficiary__isnull=False, handed_out_at__isnull=False
    )
    sessions = defaultdict(list)
    for person, level, step in (
        Activity.participants.through.objects.filter(
            beneficiary_id__in=handed.values("beneficiary_id")
        )
        .order_by("activity__date", "activity_id")
        .values_list("beneficiary_id", "activity__progress_level", "activity__next_step")
    ):
        sessions[person].append((level, step))
    progress = {person: _live_progress(rows) for person, rows in sessions.items()}
    paid = defaultdict(int)
    for year, epci, net in (
        Redemption.objects.filter(cheque__chequebook__in=handed, statement__status=S.PAID)
        .values_list(
            "cheque__chequebook__vintage__year", "cheque__chequebook__envelope__epci__name"
        )
        .annotate(net=Sum("mediator_net_cents"))
    ):
        paid[(year, epci or CD12_LABEL)] += net
    by_year, by_epci, everyone = defaultdict(set), defaultdict(set), set()
    for person, year, epci in handed.values_list(
        "beneficiary_id", "vintage__year", "envelope__epci__name"
    ):
        by_year[year].add(person)
        by_epci[epci or CD12_LABEL].add(person)
        everyone.add(person)
    return {
        "by_vintage": [
            _live_row(
                str(y), by_year[y], progress, sum(v for (yy, _), v in paid.items() if yy == y)
            )
            for y in sorted(by_year)
        ],
        "by_epci": [
            _live_row(e, by_epci[e], progress, sum(v for (_, ee), v in paid.items() if ee == e))
            for e in sorted(by_epci, key=lambda n: (n != CD12_LABEL, n))
        ],
        "total": _live_row("Total", everyone, progress, sum(paid.values())),
    }


def live_referral_funnel(filters) -> list[tuple[str, int]]:
    booked = Appointment.objects.filter(referral=OuterRef("pk")).exclude(
        state=AppointmentState.CANCELLED
    )
    held = Appointment.objects.filter(referral=OuterRef("pk"), state=AppointmentState.HELD)
    f = (
        referrals_in_scope(filters)
        .annotate(has_booked=Exists(booked), has_held=Exists(held))
        .aggregate(
            referrals=Count("id"),
            booked=Count("id", filter=Q(has_booked=True)),
            held=Count("id", filter=Q(has_held=True)),
            first=Count("id", filter=Q(state__in=FIRST_SESSION_STATES)),
        )
    )
    return [
        ("Orientations", f["referrals"]),
        ("Rendez-vous pris", f["booked"]),
        ("Rendez-vous honorés", f["held"]),
        ("Première séance faite", f["first"]),
    ]


# --- The programme ------------------------------------------------------------------------------


@pytest.fixture
def programme(reference_data):
    today = timezone.localdate()
    v1 = VintageFactory(programme=reference_data, year=today.year)
    v2 = VintageFactory(programme=reference_data, year=today.year - 1)
    cd12 = Envelope.objects.get(side=Side.CD12)
    env_a, env_b = Envelope.objects.filter(side=Side.EPCI).select_related("epci")[:2]
    d1 = FrontDeskFactory()
    d2 = EpciFrontDeskFactory(epci=env_a.epci)
    mediator = MediatorOrganisationFactory()
    paid = StatementFactory(mediator=mediator, status=S.PAID, paid_at=today)
    issued = StatementFactory(mediator=mediator, status=S.ISSUED)
    in_a = Commune.objects.filter(epci=env_a.epci).first()

    def person(*books, sessions=(), redeemed=(), commune=None):
        """One person, their chequebooks (vintage, envelope, holder, handed out by), their
        sessions (level, next step), a day apart, and per chequebook the cheques redeemed
        (paid, on a statement not paid)."""
        who = BeneficiaryFactory(**({"commune": commune} if commune else {}))
        made = []
        for i, (vintage, envelope, holder, by) in enumerate(books):
            book = HandedOutChequebookFactory(
                vintage=vintage, envelope=envelope, holder=holder, beneficiary=who,
                handed_out_by_organisation=by,
            )  # fmt: skip
            n_paid, n_issued = redeemed[i] if i < len(redeemed) else (0, 0)
            cheques = list(book.cheques.order_by("position"))
            for cheque in cheques[:n_paid]:
                redemption_create(cheque=cheque, mediator=mediator, statement=paid)
            for cheque in cheques[n_paid : n_paid + n_issued]:
                redemption_create(cheque=cheque, mediator=mediator, statement=issued)
            made.append(book)
        for offset, (level, step) in enumerate(sessions):
            activity = ActivityFactory(
                mediator=mediator, progress_level=level, next_step=step,
                date=today - datetime.timedelta(days=20 - offset),
            )  # fmt: skip
            activity.participants.add(who)
        return who, made

    people = {
        # Two vintages, two envelopes, two desks; level rose.
        "p1": person(
            (v1, cd12, d1, d1),
            (v2, env_a, d2, d2),
            sessions=[("guided", "another_session"), ("autonomous_with_help", "")],
            redeemed=[(3, 1), (2, 0)],
        ),
        # Held by one desk, handed out by the other; autonomous by its next step.
        "p2": person(
            (v1, env_a, d1, d2),
            sessions=[("", NextStep.AUTONOMOUS)],
            redeemed=[(4, 0)],
            commune=in_a,
        ),
        # Two vintages, one envelope and desk; level fell.
        "p3": person(
            (v1, env_a, d1, d1),
            (v2, env_a, d1, d1),
            sessions=[("autonomous_with_help", ""), ("guided", "")],
            redeemed=[(1, 0), (5, 2)],
        ),
        # No session at all.
        "p4": person((v2, env_b, d2, d2), redeemed=[(2, 0)]),
        # One level only: not "rose"; a session without level in between.
        "p5": person((v1, cd12, d2, d2), sessions=[("", ""), ("guided", "")]),
        # Two vintages on CD12's envelope, one desk; autonomous.
        "p6": person(
            (v1, cd12, d1, d1),
            (v2, cd12, d1, d1),
            sessions=[("guided", ""), ("autonomous", "autonomous")],
            redeemed=[(0, 0), (10, 0)],
        ),
        # Levels that rose, then a last one equal to the first: not "rose".
        "p7": person(
            (v2, env_b, d1, d2),
            sessions=[("guided", ""), ("autonomous_with_help", ""), ("guided", "")],
        ),
    }
    ChequebookFactory(vintage=v1, envelope=cd12, state="at_front_desk", holder=d1)  # not handed
    # Referrals: from both desks, with or without chequebook, appointments in every state.
    place, slot = place_with_slot()
    user = UserFactory()
    states = [
        (ReferralState.PROPOSED, []),
        (ReferralState.ACCEPTED, [AppointmentState.BOOKED]),
        (ReferralState.ACCEPTED, [AppointmentState.CANCELLED, AppointmentState.BOOKED]),
        (ReferralState.FIRST_SESSION, [AppointmentState.HELD]),
        (ReferralState.COMPLETED, [AppointmentState.MISSED, AppointmentState.HELD]),
        (ReferralState.ACCEPTED, [AppointmentState.CANCELLED]),
        (ReferralState.FIRST_SESSION, []),
    ]
    for i, (who, books) in enumerate(people.values()):
        for j, book in enumerate(books):
            state, appointments = states[(i + j) % len(states)]
            referral = ReferralFactory(
                beneficiary=who, chequebook=book, from_organisation=book.handed_out_by_organisation,
                state=state, mediator=place.organisation, place=place,
            )  # fmt: skip
            for k, appointment_state in enumerate(appointments):
                Appointment.objects.create(
                    referral=referral, slot=slot, duration_minutes=60, state=appointment_state,
                    starts_at=timezone.now() + datetime.timedelta(days=k + 1), booked_by=user,
                    booked_by_organisation=book.handed_out_by_organisation,
                )  # fmt: skip
    ReferralFactory(state=ReferralState.PROPOSED)  # without chequebook, another desk
    summaries_refresh()
    return {
        "v1": v1.pk, "v2": v2.pk, "a": env_a.epci_id, "b": env_b.epci_id, "d1": d1.pk,
        "d2": d2.pk, "mediator": mediator.pk,
    }  # fmt: skip


def _filters(p) -> list[Filters]:
    return [
        Filters(),
        Filters(vintage_id=p["v1"]),
        Filters(vintage_id=p["v2"]),
        Filters(epci_id=p["a"]),
        Filters(epci_id=p["b"]),
        Filters(scope_epci_id=p["a"]),
        Filters(scope_epci_id=p["a"], epci_id=p["a"]),
        Filters(scope_epci_id=p["a"], epci_id=p["b"]),  # both must match: nothing
        Filters(scope_epci_id=NO_EPCI),
        Filters(side=Side.CD12),
        Filters(side=Side.EPCI),
        Filters(organisation_id=p["d1"]),
        Filters(organisation_id=p["d2"]),
        Filters(organisation_id=p["mediator"]),
        Filters(vintage_id=p["v1"], organisation_id=p["d2"]),
        Filters(vintage_id=p["v2"], side=Side.EPCI),
        Filters(epci_id=p["a"], organisation_id=p["d1"], vintage_id=p["v1"]),
        Filters(side=Side.CD12, organisation_id=p["d1"]),
        Filters(scope_epci_id=p["a"], side=Side.EPCI, organisation_id=p["d2"], vintage_id=p["v2"]),
    ]


def _tallied(figures) -> dict:
    def keep(row):
        return {"label": row["label"], **{k: row[k] for k in FIGURES}}

    return {
        "by_vintage": [keep(r) for r in figures["by_vintage"]],
        "by_epci": [keep(r) for r in figures["by_epci"]],
        "total": keep(figures["total"]),
    }


def test_the_tallied_impact_equals_the_live_definition_under_every_filter(programme):
    whole = live_impact(Filters())
    # The programme is what it says: people counted once across vintages and envelopes.
    assert whole["total"]["people"] == 7
    assert sum(r["people"] for r in whole["by_vintage"]) > whole["total"]["people"]
    assert sum(r["people"] for r in whole["by_epci"]) > whole["total"]["people"]
    assert (whole["total"]["rose"], whole["total"]["autonomous"]) == (2, 2)  # p1, p6; p2, p6
    for filters in _filters(programme):
        assert _tallied(impact_figures(filters)) == live_impact(filters), filters


def test_the_impact_figures_derive_from_the_tallied_counts(programme):
    total = impact_figures(Filters())["total"]
    assert total["sessions_per_person"] == total["sessions"] / total["with_session"]
    assert total["per_thousand"] == total["counted"] * 100_000 / total["paid_cents"]


def test_the_tallied_referral_funnel_equals_the_live_definition_under_every_filter(programme):
    assert [n for _, n in live_referral_funnel(Filters())] == [11, 6, 3, 5]
    for filters in _filters(programme):
        assert referral_funnel(filters) == live_referral_funnel(filters), filters


def test_the_impact_tally_stays_small_whatever_the_people(programme):
    """Its rows are combinations of vintages, EPCI, sides and desks: more people handed
    chequebooks in the same groups add none."""
    rows = ImpactTally.objects.count()
    v1 = ImpactTally.objects.filter(vintage_id=programme["v1"]).values_list("vintage", flat=True)[0]
    for _ in range(5):
        HandedOutChequebookFactory(
            vintage_id=v1, envelope=Envelope.objects.get(side=Side.CD12),
            holder_id=programme["d1"], handed_out_by_organisation_id=programme["d1"],
        )  # fmt: skip
    summaries_refresh()
    assert ImpactTally.objects.count() == rows
    assert impact_figures(Filters())["total"]["people"] == 12
