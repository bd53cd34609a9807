"""Reads of orientation data, always scoped to the membership that asks."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from chequebooks.models import Chequebook, ChequebookState
from chequebooks.selectors import HANDOVER_EVENTS, beneficiaries_of_front_desk
from passnum.audit.models import JournalEntry
from passnum.directory.availability import slot_occurrences
from passnum.directory.models import Place
from passnum.organisations.roles import (
    is_front_desk_agent,
    is_mediator_member,
    is_programme_manager,
)
from passnum.people.identity import (
    identity_normalise,
    same_person_as_outer_q,
    same_person_q,
)
from passnum.people.models import Beneficiary
from passnum.programme.vintages import ongoing_q

from .models import (
    Appointment,
    AppointmentState,
    Assessment,
    Questionnaire,
    Referral,
    ReferralState,
)


def beneficiaries_visible_to(membership):
    """Rule: a front desk sees the people it registered or handed a chequebook to; a mediator
    the people referred to it by a referral still open or completed (not one it declined or
    that lapsed); programme managers everyone; anyone else nobody."""
    qs = Beneficiary.objects.all()
    if membership is None:
        return qs.none()
    org = membership.organisation
    if is_programme_manager(membership):
        return qs
    if is_front_desk_agent(membership):
        return beneficiaries_of_front_desk(org)
    if is_mediator_member(membership):
        referred = (
            Referral.objects.filter(mediator=org).visible_to_mediator().values("beneficiary_id")
        )
        return qs.filter(pk__in=referred)
    return qs.none()


def chequebooks_in_hand(person_q: Q, *, today=None):
    """The chequebooks in hand of the records ``person_q`` selects (on Chequebook), most
    recent first: see ``chequebook_in_hand``."""
    return (
        Chequebook.objects.filter(
            person_q, ongoing_q(today=today), state=ChequebookState.HANDED_OUT
        )
        .select_related("vintage")
        .order_by("-handed_out_at", "-pk")
    )


def chequebook_in_hand(beneficiary, *, today=None):
    """Rule: a person's chequebook in hand is one handed out to them (or to a record with the
    same identity key: ``same_person_q``), of a vintage that has not ended (``ongoing_q``: a
    vintage N chequebook stays in hand in January N+1); the most recent first. None when they
    hold none. The flow's hand-over step, the duplicate check, the referral and the people
    list all ask this."""
    return chequebooks_in_hand(same_person_q(beneficiary, "beneficiary__"), today=today).first()


def beneficiary_chequebooks(beneficiary):
    """Every chequebook ever handed to this record, by number (the person's page)."""
    return Chequebook.objects.filter(beneficiary=beneficiary).select_related("vintage")


def assessment_latest_by(beneficiary, organisation):
    """The latest assessment of this person made by ``organisation`` (None if none)."""
    return beneficiary.assessments.filter(assessed_by_organisation=organisation).first()


def assessment_can_be_corrected(assessment, membership, *, today=None) -> bool:
    """Rule: an assessment may be corrected (updated in place) by the organisation that made
    it, on the day it was made (Europe/Paris), while no referral uses it. The flow's
    "Corriger" button and ``assessment_record(replaces=...)`` both ask this."""
    today = today or timezone.localdate()
    return (
        assessment is not None
        and membership is not None
        and assessment.assessed_by_organisation_id == membership.organisation_id
        and timezone.localtime(assessment.created_at).date() == today
        and not assessment.referrals.exists()
    )


def beneficiary_can_be_anonymised(beneficiary, membership) -> bool:
    """Rule: a person's record is anonymised on request by a programme manager or by the front
    desk that registered the person (the system anonymises it too, past retention)."""
    return is_programme_manager(membership) or (
        is_front_desk_agent(membership)
        and beneficiary.registered_by_organisation_id == membership.organisation_id
    )


def beneficiaries_for_list(membership, *, search: str = ""):
    """The front desk's people list (anonymised records left out), with what the list shows."""
    person = OuterRef("pk")
    qs = (
        beneficiaries_visible_to(membership)
        .filter(anonymised_at__isnull=True)
        .select_related("commune", "target_public")
        .annotate(
            assessed=Exists(Assessment.objects.filter(beneficiary=person)),
            holds_chequebook=Exists(chequebooks_in_hand(same_person_as_outer_q("beneficiary__"))),
            last_referral_state=Subquery(
                Referral.objects.filter(beneficiary=person)
                .order_by("-created_at")
                .values("state")[:1]
            ),
        )
    )
    if search:
        words = identity_normalise(search).split()
        for word in words:
            qs = qs.filter(identity_key__contains=word)
    return qs


def referrals_for_mediator(membership):
    """Rule: a mediator organisation sees only the referrals made to it, and only while they
    are open or completed: once declined or lapsed, the person is no longer its to see."""
    if not is_mediator_member(membership):
        return Referral.objects.none()
    return (
        Referral.objects.filter(mediator=membership.organisation)
        .visible_to_mediator()
        .select_related(
            "beneficiary", "beneficiary__commune", "place", "assessment", "from_organisation"
        )
    )


def referrals_for_front_desk(membership):
    """Rule: a front desk sees the referrals it made."""
    if not is_front_desk_agent(membership):
        return Referral.objects.none()
    return Referral.objects.filter(from_organisation=membership.organisation).select_related(
        "beneficiary", "place", "mediator"
    )


def referrals_needing_follow_up(membership, *, today=None):
    """The referrals of this front desk to follow up: overdue (``Referral.objects.overdue``, the
    one boundary shared with the radar and the tallies)."""
    return referrals_for_front_desk(membership).overdue(today=today)


def referral_inbox(membership):
    """The mediator's referrals waiting for an answer."""
    return referrals_for_mediator(membership).filter(state=ReferralState.PROPOSED)


def referrals_in_progress(membership):
    """The mediator's referrals in progress (accepted, or first session held)."""
    return referrals_for_mediator(membership).in_progress()


def questionnaire_current() -> Questionnaire | None:
    return (
        Questionnaire.objects.filter(is_current=True)
        .prefetch_related("questions__choices", "levels__suggested_services")
        .first()
    )


def places_for_referral(*, commune=None, services=None, suggested_only=False):
    """Active mediation places a person can be referred to, nearest first: same commune, then
    same EPCI, then the rest; among equals, those offering more of the suggested services.
    ``suggested_only`` (the referral step's default): only the places offering at least one of
    the suggested ``services`` (ignored when there are none).

    Rule: only the places of qualified mediators are offered
    (``Place.objects.of_qualified_mediators``: a mediator without a profile is not qualified)."""
    qs = Place.objects.of_qualified_mediators()
    whens = []
    if commune is not None:
        whens.append(When(commune_id=commune.pk, then=Value(0)))
        if commune.epci_id:
            whens.append(When(commune__epci_id=commune.epci_id, then=Value(1)))
    qs = qs.annotate(
        distance_rank=Case(*whens, default=Value(2), output_field=IntegerField())
        if whens
        else Value(2, output_field=IntegerField())
    )
    service_ids = [s.pk for s in services or []]
    if service_ids:
        qs = qs.annotate(
            matched_services=Count("services", filter=Q(services__in=service_ids), distinct=True)
        )
        if suggested_only:
            qs = qs.filter(matched_services__gte=1)
    else:
        qs = qs.annotate(matched_services=Value(0, output_field=IntegerField()))
    return (
        qs.select_related("organisation", "commune", "commune__epci")
        .prefetch_related("services")
        .order_by("distance_rank", "-matched_services", "name")
    )


def beneficiary_history(beneficiary, *, limit=100):
    """A person's journal: their record's events, those of their referrals and the
    hand-overs of their chequebooks (chequebooks.selectors.HANDOVER_EVENTS), newest first."""
    referral_ids = [str(pk) for pk in beneficiary.referrals.values_list("pk", flat=True)]
    chequebook_ids = [
        str(pk)
        for pk in Chequebook.objects.filter(beneficiary=beneficiary).values_list("pk", flat=True)
    ]
    return (
        JournalEntry.objects.filter(
            Q(
                target_type=ContentType.objects.get_for_model(Beneficiary),
                target_id=str(beneficiary.pk),
            )
            | Q(target_type=ContentType.objects.get_for_model(Referral), target_id__in=referral_ids)
            | Q(
                target_type=ContentType.objects.get_for_model(Chequebook),
                target_id__in=chequebook_ids,
                action__in=[e.code for e in HANDOVER_EVENTS],
            )
        )
        .select_related("actor", "organisation")
        .order_by("-created_at", "-id")[:limit]
    )


# --- Appointments ------------------------------------------------------------------------------


def slot_seats_taken(slot_ids, starts) -> dict[tuple[int, object], int]:
    """How many seats are taken (booked or held appointments) per (slot id, start instant)."""
    rows = (
        Appointment.objects.taking_seats()
        .filter(slot_id__in=slot_ids, starts_at__in=starts)
        .values("slot_id", "starts_at")
        .annotate(n=Count("id"))
    )
    return {(r["slot_id"], r["starts_at"]): r["n"] for r in rows}


def places_free_occurrences(places, *, now=None, limit=12) -> dict[int, list]:
    """The coming slot occurrences with a seat left, per place id, soonest first, at most
    ``limit`` a place (three queries whatever the number of places): what step 4 and the
    rebooking page offer. Each item is ``(occurrence, seats_left)``."""
    by_place = slot_occurrences(places, now=now)
    everything = [o for occurrences in by_place.values() for o in occurrences]
    taken = slot_seats_taken({o.slot.pk for o in everything}, {o.starts_at for o in everything})
    result = {}
    for place_id, occurrences in by_place.items():
        free = []
        for o in occurrences:
            left = o.slot.capacity - taken.get((o.slot.pk, o.starts_at), 0)
            if left > 0:
                free.append((o, left))
            if len(free) >= limit:
                break
        result[place_id] = free
    return result


def appointments_for_mediator(membership, *, start, end):
    """The appointments at a mediator's places between ``start`` and ``end`` (instants), of
    referrals it may see (``referrals_for_mediator``), replaced ones left out."""
    return (
        Appointment.objects.filter(
            referral__in=referrals_for_mediator(membership),
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .exclude(state=AppointmentState.CANCELLED)
        .select_related(
            "slot__place",
            "referral__beneficiary__commune",
            "referral__assessment",
            "referral__from_organisation",
        )
        .order_by("starts_at", "id")
    )


def referral_appointment(referral):
    """The referral's current appointment (booked, else the latest held or missed), or None."""
    appointments = referral.appointments.exclude(state=AppointmentState.CANCELLED)
    return (
        appointments.filter(state=AppointmentState.BOOKED).select_related("slot__place").first()
        or appointments.select_related("slot__place").order_by("-starts_at").first()
    )


def missed_appointments_for_front_desk(membership):
    """The front desk's missed appointments it has not rebooked, of referrals still open: the
    appointments to take again with the person."""
    return (
        Appointment.objects.filter(
            referral__in=referrals_for_front_desk(membership).open(),
            state=AppointmentState.MISSED,
            rebooked_as__isnull=True,
        )
        .select_related("referral__beneficiary", "slot__place")
        .order_by("starts_at")
    )
