"""Impact: what the sessions changed for people, and per euro paid to mediators.

Definitions (stated on the dashboard and in the periodic report, ``IMPACT_DEFINITION``):

- a person counts for a vintage and for an EPCI when a chequebook of that vintage, drawn on
  that EPCI's envelope (or on CD12's), was handed to them (the same base as the dashboard's
  EPCI figures: the envelope); once per row whatever the number of such chequebooks;
- *sessions* are the activities the person took part in; *sessions per person* = sessions ÷
  people with at least one session;
- *level rose*: the autonomy noted at the person's last session ranks above the one noted at
  their first (``mediation.models.PROGRESS_RANK``), two sessions with a level at least;
- *reached autonomy*: a session noted the person "autonome" (level or next step);
- *paid* = the mediator net of the redemptions of those chequebooks' cheques on statements
  marked paid (``paid_q``);
- **impact per 1,000 €** = people who reached autonomy or whose level rose ÷ (paid ÷ 1,000 €).

The person's progress is ``person_progress`` (one home, SQL); the summary job rolls it up in
``ImpactTally`` (``reporting.summaries.impact_facts``) and ``impact_figures`` reads the tally
in one query whatever the size of the programme: the figures are those of the last summary
run (the dashboard says when), cumulated to date (the period does not apply). The same
filters as the live chequebooks (``chequebooks_in_scope``): the coordinator's and the chosen
EPCI (the envelope's), the side (the envelope's), the organisation (holder or the desk that
handed the chequebook out) and the vintage."""

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from mediation.models import PROGRESS_RANK, Activity, NextStep, ProgressLevel

from ..models import IMPACT_DIMENSIONS, ImpactTally
from .appointments import radar_missed_appointments, referral_funnel
from .scope import Filters

CD12_LABEL = "Conseil départemental (enveloppe CD12)"

IMPACT_DEFINITION = (
    "Une personne compte pour un millésime et une intercommunalité quand un chéquier de ce "
    "millésime, pris sur l'enveloppe de cette intercommunalité (ou celle du Département), lui a "
    "été remis. Séances par personne = séances ÷ personnes ayant eu au moins une séance. "
    "Niveau en hausse = l'autonomie notée à la dernière séance dépasse celle notée à la "
    "première. Autonomie atteinte = une séance a noté la personne « autonome ». Payé = net "
    "versé aux médiateurs pour les chèques de ces chéquiers, sur les relevés payés. "
    "Impact pour 1 000 € = personnes devenues autonomes ou dont le niveau a monté ÷ (payé ÷ "
    "1 000 €)."
)


def as_int(condition) -> Case:
    """1 where ``condition`` holds, else 0: a condition summed as a count (the tallies'
    measures, ``person_progress``'s flags)."""
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _level_rank() -> Case:
    """A session's level as its rank (``PROGRESS_RANK``), null when none was noted."""
    whens = [When(activity__progress_level=lv, then=Value(r)) for lv, r in PROGRESS_RANK.items()]
    return Case(*whens, default=None, output_field=IntegerField())


def person_progress(person: str = "beneficiary_id") -> dict:
    """Rule: one person's progress over the sessions (activities) they took part in, as
    annotations of a query naming the person by ``person`` (1 or 0 each):

    - ``p_sessions``: how many sessions; ``p_with_session``: at least one;
    - ``p_rose``: the level noted at the last session with a level (by date, then activity)
      ranks above the one noted at the first (``PROGRESS_RANK``): two such sessions at least;
    - ``p_autonomous``: a session noted the person "autonome" (level or next step);
    - ``p_counted``: rose or reached autonomy (the impact's numerator).
    """
    sessions = Activity.participants.through.objects.filter(beneficiary_id=OuterRef(person))
    ranked = sessions.filter(activity__progress_level__in=list(PROGRESS_RANK)).annotate(
        rank=_level_rank()
    )
    first = ranked.order_by("activity__date", "activity_id").values("rank")[:1]
    last = ranked.order_by("-activity__date", "-activity_id").values("rank")[:1]
    count = sessions.order_by().values("beneficiary_id").annotate(n=Count("pk")).values("n")
    autonomous = Exists(
        sessions.filter(
            Q(activity__progress_level=ProgressLevel.AUTONOMOUS)
            | Q(activity__next_step=NextStep.AUTONOMOUS)
        )
    )
    rose = Q(p_last_rank__gt=F("p_first_rank"))
    return {
        "p_sessions": Coalesce(Subquery(count, output_field=IntegerField()), 0),
        "p_first_rank": Subquery(first, output_field=IntegerField()),
        "p_last_rank": Subquery(last, output_field=IntegerField()),
        "p_with_session": as_int(Q(p_sessions__gt=0)),
        "p_rose": as_int(rose),
        "p_autonomous": as_int(autonomous),
        "p_counted": as_int(rose | autonomous),
    }


def impact_per_thousand(people: int, paid_cents: int) -> float | None:
    """People per 1,000 € paid: ``people`` ÷ (``paid_cents`` ÷ 100 000). None when nothing was
    paid (no ratio)."""
    if not paid_cents:
        return None
    return people * 100_000 / paid_cents


def _row(label, tally=None) -> dict:
    get = (lambda key: tally[key] or 0) if tally else (lambda key: 0)
    with_session, counted, paid = get("with_session"), get("counted"), get("paid_cents")
    return {
        "label": label,
        "people": get("people"),
        "with_session": with_session,
        "sessions": get("sessions"),
        "sessions_per_person": get("sessions") / with_session if with_session else None,
        "rose": get("rose"),
        "autonomous": get("autonomous"),
        "counted": counted,
        "paid_cents": paid,
        "per_thousand": impact_per_thousand(counted, paid),
    }


def impact_grouping(filters: Filters) -> tuple[int, dict]:
    """The ImpactTally grouping the filters read (the bits of the dimensions they restrict)
    and the values they restrict them to (both EPCI of a coordinator who chose one: the rows
    must match both, as live)."""
    grouping, values = 0, {}
    epcis = [e for e in (filters.scope_epci_id, filters.epci_id) if e]
    if filters.vintage_id:
        grouping |= IMPACT_DIMENSIONS["vintage"]
        values["vintage_id"] = filters.vintage_id
    if epcis:
        grouping |= IMPACT_DIMENSIONS["envelope_epci"]
    if filters.side:
        grouping |= IMPACT_DIMENSIONS["side"]
        values["side"] = filters.side
    if filters.organisation_id:
        grouping |= IMPACT_DIMENSIONS["organisation"]
        values["organisation_id"] = filters.organisation_id
    q = Q(**values)
    for epci in epcis:
        q &= Q(envelope_epci_id=epci)
    return grouping, q


def impact_figures(filters: Filters) -> dict:
    """The impact table by vintage and by EPCI (envelope), and the total (definitions above),
    from ImpactTally as of the last summary run, in one query."""
    grouping, q = impact_grouping(filters)
    by_vintage = grouping | IMPACT_DIMENSIONS["vintage"]
    by_epci = grouping | IMPACT_DIMENSIONS["envelope_epci"]
    rows = list(
        ImpactTally.objects.filter(q, grouping__in={grouping, by_vintage, by_epci})
        .order_by()
        .values(
            "grouping", "vintage__year", "envelope_epci__name", "people", "with_session",
            "sessions", "rose", "autonomous", "counted", "paid_cents",
        )
    )  # fmt: skip
    years = sorted((r for r in rows if r["grouping"] == by_vintage and r["people"]),
                   key=lambda r: r["vintage__year"])  # fmt: skip
    epcis = sorted(
        (r for r in rows if r["grouping"] == by_epci and r["people"]),
        key=lambda r: (r["envelope_epci__name"] is not None, r["envelope_epci__name"] or ""),
    )
    total = next((r for r in rows if r["grouping"] == grouping), None)
    return {
        "by_vintage": [_row(str(r["vintage__year"]), r) for r in years],
        "by_epci": [_row(r["envelope_epci__name"] or CD12_LABEL, r) for r in epcis],
        "total": _row("Total", total),
        "definition": IMPACT_DEFINITION,
    }


def impact_context(filters: Filters, *, today=None) -> dict:
    """What the dashboard's (and the periodic report's) issue-14 includes show: the referrals'
    funnel with appointments and the impact figures (tallies), the radar's missed
    appointments (live, like its list)."""
    return {
        "referral_funnel": referral_funnel(filters),
        "missed_appointments": radar_missed_appointments(filters, today=today).count(),
        "impact": impact_figures(filters),
    }
