"""Impact: what the sessions changed for people, and per euro paid to mediators.

Definitions (stated on the dashboard and in the periodic report, ``IMPACT_DEFINITION``):

- a person counts for a vintage and for an EPCI when a chequebook of that vintage, drawn on
  that EPCI's envelope (or on CD12's), was handed to them (the same base as the dashboard's
  EPCI figures: the envelope);
- *sessions* are the activities the person took part in; *sessions per person* = sessions ÷
  people with at least one session;
- *level rose*: the autonomy noted at the person's last session ranks above the one noted at
  their first (``mediation.models.PROGRESS_RANK``), two sessions with a level at least;
- *reached autonomy*: a session noted the person "autonome" (level or next step);
- *paid* = the mediator net of the redemptions of those chequebooks' cheques on statements
  marked paid;
- **impact per 1,000 €** = people who reached autonomy or whose level rose ÷ (paid ÷ 1,000 €).

Read live in three queries whatever the number of groups; cumulated to date (the period does
not apply)."""

from collections import defaultdict

from django.db.models import Sum

from mediation.models import (
    PROGRESS_RANK,
    Activity,
    NextStep,
    ProgressLevel,
    Redemption,
    StatementStatus,
)

from .appointments import radar_missed_appointments, referral_funnel
from .radar import chequebooks_in_scope
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


def _person_progress(sessions) -> dict:
    """One person's sessions (date order) → sessions, level rose, reached autonomy."""
    ranks = [PROGRESS_RANK[s["level"]] for s in sessions if s["level"] in PROGRESS_RANK]
    autonomous = any(
        s["level"] == ProgressLevel.AUTONOMOUS or s["next_step"] == NextStep.AUTONOMOUS
        for s in sessions
    )
    return {
        "sessions": len(sessions),
        "rose": len(ranks) >= 2 and ranks[-1] > ranks[0],
        "autonomous": autonomous,
    }


def impact_per_thousand(people: int, paid_cents: int) -> float | None:
    """People per 1,000 € paid: ``people`` ÷ (``paid_cents`` ÷ 100 000). None when nothing was
    paid (no ratio)."""
    if not paid_cents:
        return None
    return people * 100_000 / paid_cents


def _row(label, people_ids, progress, paid_cents) -> dict:
    with_session = [p for p in people_ids if progress.get(p, {}).get("sessions")]
    sessions = sum(progress[p]["sessions"] for p in with_session)
    rose = sum(1 for p in with_session if progress[p]["rose"])
    autonomous = sum(1 for p in with_session if progress[p]["autonomous"])
    counted = sum(1 for p in with_session if progress[p]["rose"] or progress[p]["autonomous"])
    return {
        "label": label,
        "people": len(people_ids),
        "with_session": len(with_session),
        "sessions": sessions,
        "sessions_per_person": sessions / len(with_session) if with_session else None,
        "rose": rose,
        "autonomous": autonomous,
        "counted": counted,
        "paid_cents": paid_cents,
        "per_thousand": impact_per_thousand(counted, paid_cents),
    }


def impact_figures(filters: Filters) -> dict:
    """The impact table by vintage and by EPCI (envelope), and the total (definitions above)."""
    handed = chequebooks_in_scope(filters).filter(
        beneficiary__isnull=False, handed_out_at__isnull=False
    )
    chequebooks = list(
        handed.values_list("beneficiary_id", "vintage__year", "envelope__epci__name")
    )
    sessions = defaultdict(list)
    for person, level, next_step in (
        Activity.participants.through.objects.filter(
            beneficiary_id__in=handed.values("beneficiary_id")
        )
        .order_by("activity__date", "activity_id")
        .values_list("beneficiary_id", "activity__progress_level", "activity__next_step")
    ):
        sessions[person].append({"level": level, "next_step": next_step})
    progress = {person: _person_progress(rows) for person, rows in sessions.items()}
    paid = defaultdict(int)
    for year, epci, net in (
        Redemption.objects.filter(
            cheque__chequebook__in=handed, statement__status=StatementStatus.PAID
        )
        .values_list(
            "cheque__chequebook__vintage__year", "cheque__chequebook__envelope__epci__name"
        )
        .annotate(net=Sum("mediator_net_cents"))
    ):
        paid[(year, epci or CD12_LABEL)] += net or 0

    by_year, by_epci, everyone = defaultdict(set), defaultdict(set), set()
    for person, year, epci in chequebooks:
        by_year[year].add(person)
        by_epci[epci or CD12_LABEL].add(person)
        everyone.add(person)
    paid_year, paid_epci = defaultdict(int), defaultdict(int)
    for (year, epci), net in paid.items():
        paid_year[year] += net
        paid_epci[epci] += net
    return {
        "by_vintage": [
            _row(str(year), by_year[year], progress, paid_year[year]) for year in sorted(by_year)
        ],
        "by_epci": [
            _row(name, by_epci[name], progress, paid_epci[name])
            for name in sorted(by_epci, key=lambda n: (n != CD12_LABEL, n))
        ],
        "total": _row("Total", everyone, progress, sum(paid.values())),
        "definition": IMPACT_DEFINITION,
    }


def impact_context(filters: Filters, *, today=None) -> dict:
    """What the dashboard's (and the periodic report's) issue-14 includes show: the referrals'
    funnel with appointments, the radar's missed appointments and the impact figures."""
    return {
        "referral_funnel": referral_funnel(filters),
        "missed_appointments": radar_missed_appointments(filters, today=today).count(),
        "impact": impact_figures(filters),
    }
