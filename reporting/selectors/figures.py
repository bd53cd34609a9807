"""Reads of the programme's figures, scoped to who asks.

The dashboard reads the summary tallies (see reporting.models) with a fixed number of grouped
queries whatever the size of the programme. The radar's lists read the live tables (they are
paginated lists of what to act on now).

Definitions (the dashboard states them too):

- bought: every chequebook created for the programme (opposed ones included).
- stock at desk, to give back, idle stock, committed, to credit back, paid: one definition
  each, in ``definitions`` (the budget is cumulated to date: ``budget_filters``).
- handed out: chequebooks ever handed to a person (opposed since included).
- started: a handed-out chequebook with at least one cheque redeemed (redeemed, on a
  statement or paid); fully used: all its cheques redeemed.
- cheques handed out: cheques of chequebooks handed to a person, opposed ones excepted: still
  in the person's hands, redeemed (any of the three states) or expired after hand-over.
- redemption rate: cheques redeemed ÷ cheques handed out.
- funders: committed, paid and credited-back amounts are split across funders pro rata of
  their planned budget (the programme pools the money; no cheque is tied to one funder).
"""

import dataclasses
from collections import defaultdict

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, Sum
from django.utils import timezone

from orientation.models import ReferralState
from passnum.programme.models import BudgetLine, Envelope, Funder, Vintage
from passnum.programme.vintages import expiring_within_q, vintage_has_ended
from passnum.territory.models import Epci, Side

from ..models import ChequebookTally, RedemptionTally, ReferralTally
from .breakdowns import (
    assessment_levels,
    by_front_desk,
    by_mediator,
    by_month,
    by_public,
    epci_rows,
    residents_figures,
)
from .definitions import committed_cents, credit_back_cents
from .radar import radar_referrals_overdue, radar_stale_stock
from .scope import CB_SUMS, Filters, funnel_of, selected_epci, tally_rows


def dashboard_data(filters: Filters, *, today=None) -> dict:
    """Every figure of the dashboard, from the tallies, in a bounded number of queries."""
    today = today or timezone.localdate()
    vintages = {v.pk: v for v in _vintages_with_expiry(today)}
    envelopes = {e.pk: e for e in Envelope.objects.select_related("epci")}
    epci_names = dict(Epci.objects.values_list("pk", "name"))

    # 1. Chequebooks by vintage, envelope, state, usage: funnel, envelopes, budget, radar.
    rows = list(
        tally_rows(ChequebookTally, filters).values("vintage_id", "envelope_id").annotate(**CB_SUMS)
    )
    funnel = funnel_of(rows)
    by_vintage = defaultdict(list)
    by_envelope = defaultdict(list)
    for r in rows:
        by_vintage[r["vintage_id"]].append(r)
        by_envelope[r["envelope_id"]].append(r)

    # 2. Redemptions by vintage and paid: budget paid, cumulated to date like the rest of the
    # budget (``budget_filters``: the period does not apply to it).
    red_rows = list(
        tally_rows(RedemptionTally, budget_filters(filters))
        .values("vintage_id", "paid")
        .annotate(n=Sum("redemptions"), face=Sum("face_value_cents"), net=Sum("mediator_net_cents"))
    )
    # Referrals by state; the overdue ones are counted live (``radar_referrals_overdue``).
    referral_rows = list(
        tally_rows(ReferralTally, filters).values("state").annotate(n=Sum("referrals"))
    )
    referrals = defaultdict(int)
    for r in referral_rows:
        referrals[r["state"]] += r["n"]

    target = sum(e.chequebook_target for e in envelopes.values() if _envelope_in_scope(e, filters))
    total_target = sum(e.chequebook_target for e in envelopes.values())
    data = {
        "filters": filters,
        "today": today,
        "funnel": funnel,
        "budget": _budget(
            vintages, by_vintage, red_rows, share=_target_share(target, total_target, filters)
        ),
        "envelopes": _envelopes(envelopes, by_envelope, filters),
        "radar": _radar(vintages, by_vintage, today, filters),
        "referrals": dict(referrals),
        # The radar's number is the length of the list it links to (read live, like it).
        "referrals_overdue": radar_referrals_overdue(filters, today=today).count(),
        "referral_states": [
            (label, referrals.get(value, 0)) for value, label in ReferralState.choices
        ],
        "target": target,
        "total_target": total_target,
    }
    data["by_epci"] = epci_rows(filters, epci_names, envelopes)
    data["residents"] = residents_figures(filters, epci_names, data["by_epci"])
    data["by_public"] = by_public(filters)
    data["by_front_desk"] = by_front_desk(filters)
    data["by_mediator"] = by_mediator(filters)
    data["by_month"] = by_month(filters)
    data["levels"], data["gain"] = assessment_levels(filters)
    return data


def budget_filters(filters: Filters) -> Filters:
    """Rule: the budget (planned, committed, paid, to credit back) is cumulated to date: the
    period does not apply to it (the other filters do), so that "payé" and "engagé" share one
    base. The dashboard says so next to it."""
    return dataclasses.replace(filters, period_start=None, period_end=None)


def _target_share(target, total_target, filters) -> float:
    """Rule: restricted to envelopes (an EPCI or a side), the planned budget is the
    programme's in proportion of their chequebook target (the money is pooled: an envelope
    of 177 chequebooks out of 9 000 plans 177/9 000 of each funder's budget)."""
    if not (selected_epci(filters) or filters.side) or not total_target:
        return 1.0
    return target / total_target


def _envelope_in_scope(envelope, filters) -> bool:
    for epci in (filters.scope_epci_id, filters.epci_id):
        if epci and envelope.epci_id != epci:
            return False
    return not (filters.side and envelope.side != filters.side)


def _budget(vintages, by_vintage, red_rows, *, share=1.0) -> dict:
    """Planned per funder (× ``share``, the envelopes' part of the programme's target);
    committed, paid and credited back per vintage, split across funders pro rata."""
    funders = list(Funder.objects.order_by("id"))
    planned = defaultdict(int)
    planned_by_year = defaultdict(int)
    for line in BudgetLine.objects.values("funder_id", "year").annotate(total=Sum("amount_cents")):
        amount = round(line["total"] * share)
        planned[line["funder_id"]] += amount
        if line["year"]:
            planned_by_year[(line["funder_id"], line["year"])] += amount
    total_planned = sum(planned.values())
    paid_by_vintage = defaultdict(int)
    for r in red_rows:
        if r["paid"]:
            paid_by_vintage[r["vintage_id"]] += r["net"] or 0
    years = []
    for vid, vintage in vintages.items():
        f = funnel_of(by_vintage.get(vid, []))
        years.append(
            {
                "vintage": vintage,
                "year": vintage.year,
                "cheques_bought": f.get("cheques_bought", 0),
                "committed": committed_cents(f.get("cheques_bought", 0), vintage),
                "paid": paid_by_vintage.get(vid, 0),
                "credit_back": credit_back_cents(f.get("expired", 0), vintage),
                "planned": sum(v for (_, y), v in planned_by_year.items() if y == vintage.year),
            }
        )
    totals = {key: sum(y[key] for y in years) for key in ("committed", "paid", "credit_back")}
    rows = []
    for funder in funders:
        share = planned[funder.pk] / total_planned if total_planned else 0
        row = {"funder": funder, "planned": planned[funder.pk], "share": share}
        for key, value in totals.items():
            row[key] = round(value * share)
        rows.append(row)
    # Rounding pro rata must still add up: the last funder takes the remainder.
    if rows:
        for key, value in totals.items():
            rows[-1][key] = value - sum(r[key] for r in rows[:-1])
    return {
        "funders": rows,
        "planned": total_planned,
        "share": share,
        "years": years,
        **totals,
    }


def _envelopes(envelopes, by_envelope, filters) -> list[dict]:
    result = []
    for e in sorted(envelopes.values(), key=lambda e: (e.side != Side.CD12, str(e.epci or ""))):
        if not _envelope_in_scope(e, filters) and not by_envelope.get(e.pk):
            continue
        f = funnel_of(by_envelope.get(e.pk, []))
        result.append({"envelope": e, "target": e.chequebook_target, **f})
    return result


def _radar(vintages, by_vintage, today, filters) -> list[dict]:
    """Per vintage still valid: stale stock (live, like its list), never started and
    cheques expiring soon (from the tallies, like their lists). A vintage past its
    ``valid_until`` is left out: its cheques have expired, nothing is left to act on."""
    expiry_days = sorted(settings.PASSNUM_RADAR_EXPIRY_DAYS)
    stale = dict(
        radar_stale_stock(filters, today=today)
        .order_by()
        .values_list("vintage_id")
        .annotate(n=Count("pk"))
    )
    result = []
    for vid, vintage in vintages.items():
        if filters.vintage_id and vid != filters.vintage_id:
            continue
        if vintage_has_ended(vintage, today=today):
            continue
        f = funnel_of(by_vintage.get(vid, []))
        if not f.get("bought"):
            continue
        expiring = []
        for days in expiry_days:
            soon = getattr(vintage, _expiring_flag(days))
            expiring.append({"days": days, "cheques": f.get("usable", 0) if soon else 0})
        result.append(
            {
                "vintage": vintage,
                "stale_stock": stale.get(vid, 0),
                "not_started": f.get("not_started", 0),
                "expiring": expiring,
            }
        )
    return result


def _expiring_flag(days) -> str:
    return f"expiring_within_{days}"


def _vintages_with_expiry(today):
    """The vintages, each flagged per radar window (``expiring_within_<days>``) by the very
    filter the radar's list uses (``expiring_within_q``), in the same query."""
    flags = {
        _expiring_flag(days): ExpressionWrapper(
            expiring_within_q(days, prefix="", today=today), output_field=BooleanField()
        )
        for days in settings.PASSNUM_RADAR_EXPIRY_DAYS
    }
    return Vintage.objects.order_by("year").annotate(**flags)
