"""What the figures are restricted to (``Filters``), who sees which scope, and the tallies'
rows in it."""

import dataclasses
import datetime
from dataclasses import dataclass

from django.db.models import Q, Sum

from chequebooks.models import Chequebook
from orientation.models import Referral
from passnum.organisations.roles import coordinator_epci_id, sees_whole_programme

from ..models import (
    AssessmentTally,
    ChequebookTally,
    HandoverTally,
    RedemptionTally,
    ReferralTally,
    SummaryRun,
)
from .periods import period_months


@dataclass
class Filters:
    """What the dashboard is restricted to. ``scope_epci_id`` is the EPCI coordinator's."""

    vintage_id: int | None = None
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    side: str = ""
    epci_id: int | None = None
    organisation_id: int | None = None
    scope_epci_id: int | None = None


#: The scope of one who may see no EPCI (a coordinator whose structure has none): no row
#: carries this id, so every figure and list is empty (never ``epci_id=None``, the CD12 side).
NO_EPCI = -1


def scope_epci_id(membership) -> int | None:
    """Rule: a programme manager and a State observer see the whole programme (None,
    ``sees_whole_programme``); an EPCI coordinator its EPCI (``coordinator_epci_id``); anyone
    else, a coordinator without an EPCI included, sees nothing (``NO_EPCI``)."""
    if sees_whole_programme(membership):
        return None
    return coordinator_epci_id(membership) or NO_EPCI


# Which columns of each tally place a row in an EPCI, and name its organisation. Rule: an
# EPCI's chequebooks (bought, handed out, redeemed, paid) are those of its envelope, one base
# for the funnel, the target and the budget; the chequebooks handed to the EPCI's residents
# from any envelope are shown apart (``residents_figures``). Referrals and assessments have
# no envelope: they are the EPCI's when made by its desks, at its places or for its residents.
EPCI_FIELDS = {
    ChequebookTally: ("envelope_epci",),
    HandoverTally: ("envelope_epci",),
    RedemptionTally: ("envelope_epci",),
    ReferralTally: ("from_epci", "place_epci", "beneficiary_epci"),
    AssessmentTally: ("organisation_epci", "beneficiary_epci"),
}
ORGANISATION_FIELDS = {
    ChequebookTally: ("front_desk",),
    HandoverTally: ("front_desk",),
    RedemptionTally: ("mediator",),
    ReferralTally: ("from_organisation", "mediator"),
    AssessmentTally: ("organisation",),
}
# The same rule on the live tables (the radar's lists and the detailed export), one lookup per
# column of EPCI_FIELDS, so the lists and the tallies agree (tested).
LIVE_EPCI_LOOKUPS = {
    Chequebook: ("envelope__epci_id",),
    Referral: (
        "from_organisation__epci_id",
        "place__commune__epci_id",
        "beneficiary__commune__epci_id",
    ),
}
MONTH_TALLIES = (HandoverTally, RedemptionTally)
VINTAGE_TALLIES = (ChequebookTally, HandoverTally, RedemptionTally)


def _in_epci(model, epci_id) -> Q:
    q = Q()
    for name in EPCI_FIELDS[model]:
        q |= Q(**{f"{name}_id": epci_id})
    return q


def live_epci_filter(model, filters: Filters) -> Q:
    """The filters' EPCIs (the coordinator's scope and the chosen EPCI) on a live table
    (``LIVE_EPCI_LOOKUPS``)."""
    q = Q()
    for epci in (filters.scope_epci_id, filters.epci_id):
        if epci:
            in_epci = Q()
            for lookup in LIVE_EPCI_LOOKUPS[model]:
                in_epci |= Q(**{lookup: epci})
            q &= in_epci
    return q


def tally_filter(model, filters: Filters) -> Q:
    q = Q()
    if filters.scope_epci_id:
        q &= _in_epci(model, filters.scope_epci_id)
    if filters.epci_id:
        q &= _in_epci(model, filters.epci_id)
    if filters.side:
        q &= Q(side=filters.side)
    if filters.organisation_id:
        org_q = Q()
        for name in ORGANISATION_FIELDS[model]:
            org_q |= Q(**{f"{name}_id": filters.organisation_id})
        q &= org_q
    if filters.vintage_id and model in VINTAGE_TALLIES:
        q &= Q(vintage_id=filters.vintage_id)
    if model in MONTH_TALLIES:
        first, after = period_months(filters.period_start, filters.period_end)
        if first:
            q &= Q(month__gte=first)
        if after:
            q &= Q(month__lt=after)
    return q


def tally_rows(model, filters):
    return model.objects.filter(tally_filter(model, filters)).order_by()


#: Dashboard key → ChequebookTally measure.
FUNNEL_MEASURES = {
    "bought": "chequebooks",
    "cheques_bought": "cheques",
    "used": "used",
    "paid_cheques": "paid",
    "expired": "expired",
    "cancelled_cheques": "cancelled",
    "usable": "usable",
    "in_stock": "in_stock",
    "at_front_desk": "at_front_desk",
    "to_give_back": "to_give_back",
    "stale_stock": "stale_stock",
    "cancelled": "cancelled_books",
    "handed_out": "handed_out",
    "cheques_handed_out": "cheques_handed_out",
    "expired_after_handover": "expired_handed",
    "started": "started",
    "full": "full",
    "not_started": "not_started",
}
CB_SUMS = {f"s_{m}": Sum(m) for m in FUNNEL_MEASURES.values()}


def funnel_of(rows) -> dict:
    """Funnel figures: the sums of ChequebookTally rows annotated with CB_SUMS."""
    f = dict.fromkeys(FUNNEL_MEASURES, 0)
    for r in rows:
        for key, measure in FUNNEL_MEASURES.items():
            f[key] += r[f"s_{measure}"] or 0
    f["rate"] = (f["used"] / f["cheques_handed_out"]) if f["cheques_handed_out"] else None
    return f


def last_summary_run():
    return SummaryRun.objects.order_by("-refreshed_at").first()


def selected_epci(filters) -> int | None:
    """The EPCI the figures are restricted to (the coordinator's, or the filter's)."""
    return filters.scope_epci_id or filters.epci_id


def usage_rate(used, handed):
    return used / handed if handed else None


def without_epci(filters) -> Filters:
    return dataclasses.replace(filters, scope_epci_id=None, epci_id=None)
