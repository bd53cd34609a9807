"""Reads of the programme's figures, scoped to who asks.

The dashboard reads the summary tallies (see reporting.models) with a fixed number of grouped
queries whatever the size of the programme. The radar's lists read the live tables (they are
paginated lists of what to act on now).

Definitions (the dashboard states them too):

- bought: every chequebook created for the programme (opposed ones included); committed
  budget = cheques bought × the vintage's commissioner cost.
- handed out: chequebooks ever handed to a person (opposed since included).
- started: a handed-out chequebook with at least one cheque redeemed (redeemed, on a
  statement or paid); fully used: all its cheques redeemed.
- cheques handed out: cheques of chequebooks handed to a person, opposed ones excepted: still
  in the person's hands, redeemed (any of the three states) or expired after hand-over.
- redemption rate: cheques redeemed ÷ cheques handed out.
- paid to mediators: the mediator's net of redemptions on a statement marked paid.
- to be credited back: expired cheques × the vintage's face value.
- funders: committed, paid and credited-back amounts are split across funders pro rata of
  their planned budget (the programme pools the money; no cheque is tied to one funder).
"""

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, Sum
from django.utils import timezone

from chequebooks.models import Chequebook, ChequebookState
from mediation.models import Redemption, StatementStatus
from orientation.models import Referral, ReferralState
from passnum.core.dates import month_start, paris_midnight
from passnum.organisations.models import Organisation, OrganisationKind, Role
from passnum.programme.models import BudgetLine, Envelope, Funder, TargetPublic, Vintage
from passnum.programme.vintages import expiring_within_q, ongoing_q, vintage_has_ended
from passnum.territory.models import Epci, Side

from .models import (
    AssessmentTally,
    ChequebookTally,
    ExportJob,
    HandoverTally,
    RedemptionTally,
    ReferralTally,
    Report,
    SummaryRun,
)


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

    @property
    def has_period(self):
        return bool(self.period_start or self.period_end)


def scope_epci_id(membership) -> int | None:
    """Rule: a programme manager sees the whole programme; an EPCI coordinator its EPCI."""
    if membership is not None and membership.role == Role.EPCI_COORDINATOR:
        return membership.organisation.epci_id or -1
    return None


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
MONTH_TALLIES = (HandoverTally, RedemptionTally)
VINTAGE_TALLIES = (ChequebookTally, HandoverTally, RedemptionTally)


def _in_epci(model, epci_id) -> Q:
    q = Q()
    for name in EPCI_FIELDS[model]:
        q |= Q(**{f"{name}_id": epci_id})
    return q


def period_months(filters: Filters) -> tuple[datetime.date | None, datetime.date | None]:
    """Rule: a period counts by whole months (Europe/Paris), from the month of its start to
    the month of its end included, on the dashboard, in the report and in the detailed
    export alike. Returns the first day of the start's month and the first day of the month
    after the end's month (excluded); either is None when that end is open."""
    first = filters.period_start.replace(day=1) if filters.period_start else None
    after = None
    if filters.period_end:
        end = filters.period_end
        after = datetime.date(end.year + end.month // 12, end.month % 12 + 1, 1)
    return first, after


def period_q(field: str, filters: Filters) -> Q:
    """``period_months`` as a filter on a date-time field (``handed_out_at``...)."""
    first, after = period_months(filters)
    q = Q()
    if first:
        q &= Q(**{f"{field}__gte": paris_midnight(first)})
    if after:
        q &= Q(**{f"{field}__lt": paris_midnight(after)})
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
        first, after = period_months(filters)
        if first:
            q &= Q(month__gte=first)
        if after:
            q &= Q(month__lt=after)
    return q


def _tally(model, filters):
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


def _funnel_of(rows) -> dict:
    """Funnel figures: the sums of ChequebookTally rows annotated with CB_SUMS."""
    f = dict.fromkeys(FUNNEL_MEASURES, 0)
    for r in rows:
        for key, measure in FUNNEL_MEASURES.items():
            f[key] += r[f"s_{measure}"] or 0
    f["rate"] = (f["used"] / f["cheques_handed_out"]) if f["cheques_handed_out"] else None
    return f


def last_summary_run():
    return SummaryRun.objects.order_by("-refreshed_at").first()


def dashboard_data(filters: Filters, *, today=None) -> dict:
    """Every figure of the dashboard, from the tallies, in a bounded number of queries."""
    today = today or timezone.localdate()
    vintages = {v.pk: v for v in _vintages_with_expiry(today)}
    envelopes = {e.pk: e for e in Envelope.objects.select_related("epci")}
    epci_names = dict(Epci.objects.values_list("pk", "name"))

    # 1. Chequebooks by vintage, envelope, state, usage: funnel, envelopes, budget, radar.
    rows = list(
        _tally(ChequebookTally, filters).values("vintage_id", "envelope_id").annotate(**CB_SUMS)
    )
    funnel = _funnel_of(rows)
    by_vintage = defaultdict(list)
    by_envelope = defaultdict(list)
    for r in rows:
        by_vintage[r["vintage_id"]].append(r)
        by_envelope[r["envelope_id"]].append(r)

    # 2. Redemptions by vintage and paid: budget paid.
    red_rows = list(
        _tally(RedemptionTally, filters)
        .values("vintage_id", "paid")
        .annotate(n=Sum("redemptions"), face=Sum("face_value_cents"), net=Sum("mediator_net_cents"))
    )
    # Referrals by state; the overdue ones are counted live (``radar_referrals_overdue``).
    referral_rows = list(
        _tally(ReferralTally, filters).values("state").annotate(n=Sum("referrals"))
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
    data["by_epci"] = _by_epci(filters, epci_names, envelopes)
    data["residents"] = residents_figures(filters, epci_names, data["by_epci"])
    data["by_public"] = _by_public(filters)
    data["by_front_desk"] = by_front_desk(filters)
    data["by_mediator"] = by_mediator(filters)
    data["by_month"] = by_month(filters)
    data["levels"], data["gain"] = _levels(filters)
    return data


def _selected_epci(filters) -> int | None:
    """The EPCI the figures are restricted to (the coordinator's, or the filter's)."""
    return filters.scope_epci_id or filters.epci_id


def _target_share(target, total_target, filters) -> float:
    """Rule: restricted to envelopes (an EPCI or a side), the planned budget is the
    programme's in proportion of their chequebook target (the money is pooled: an envelope
    of 177 chequebooks out of 9 000 plans 177/9 000 of each funder's budget)."""
    if not (_selected_epci(filters) or filters.side) or not total_target:
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
        f = _funnel_of(by_vintage.get(vid, []))
        years.append(
            {
                "vintage": vintage,
                "year": vintage.year,
                "cheques_bought": f.get("cheques_bought", 0),
                "committed": f.get("cheques_bought", 0) * vintage.commissioner_cost_cents,
                "paid": paid_by_vintage.get(vid, 0),
                "credit_back": f.get("expired", 0) * vintage.face_value_cents,
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
        f = _funnel_of(by_envelope.get(e.pk, []))
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
        f = _funnel_of(by_vintage.get(vid, []))
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


def _rate(used, handed):
    return used / handed if handed else None


def _without_epci(filters) -> Filters:
    return dataclasses.replace(filters, scope_epci_id=None, epci_id=None)


def _by_epci(filters, epci_names, envelopes) -> list[dict]:
    """Per EPCI, two bases side by side, each named in its column: the EPCI's envelope
    (target, bought, at front desks) and the EPCI's residents (chequebooks handed to people
    living in its communes, from any envelope: handed out, started, fully used, redeemed,
    rate, paid). Restricted to an EPCI, only its row is kept."""
    unscoped = _without_epci(filters)
    rows = (
        _tally(ChequebookTally, unscoped)
        .filter(handed_out__gt=0)
        .values("beneficiary_epci_id")
        .annotate(
            n_cheques_handed_out=Sum("cheques_handed_out"),
            n_handed_out=Sum("handed_out"),
            n_started=Sum("started"),
            n_full=Sum("full"),
            n_used=Sum("used"),
        )
    )
    targets = {e.epci_id: e.chequebook_target for e in envelopes.values() if e.epci_id}
    envelope_rows = {
        r["envelope_epci_id"]: r
        for r in _tally(ChequebookTally, unscoped)
        .exclude(envelope_epci_id=None)
        .values("envelope_epci_id")
        .annotate(n=Sum("chequebooks"), at_desk=Sum("at_front_desk"))
    }
    paid = dict(
        _tally(RedemptionTally, unscoped)
        .filter(paid=True)
        .values_list("beneficiary_epci_id")
        .annotate(n=Sum("mediator_net_cents"))
    )
    by_id = {}
    for r in rows:
        by_id[r["beneficiary_epci_id"]] = {
            "handed_out": r["n_handed_out"] or 0,
            "started": r["n_started"] or 0,
            "full": r["n_full"] or 0,
            "used": r["n_used"] or 0,
            "cheques_handed_out": r["n_cheques_handed_out"] or 0,
        }
    for epci_id in envelope_rows:
        by_id.setdefault(epci_id, {})
    selected = _selected_epci(filters)
    result = []
    for epci_id, r in by_id.items():
        if selected and epci_id != selected:
            continue
        env = envelope_rows.get(epci_id) or {}
        row = {
            "epci_id": epci_id,
            "name": epci_names.get(epci_id, "Hors Aveyron ou inconnue"),
            "target": targets.get(epci_id),
            "bought": env.get("n") or 0,
            "at_front_desk": env.get("at_desk") or 0,
            "handed_out": 0, "started": 0, "full": 0, "used": 0, "cheques_handed_out": 0,
            "paid": paid.get(epci_id, 0),
        }  # fmt: skip
        row.update(r)
        row["rate"] = _rate(row["used"], row["cheques_handed_out"])
        result.append(row)
    return sorted(result, key=lambda r: r["name"])


def by_epci(filters) -> list[dict]:
    """The breakdown by EPCI alone (its page and exports)."""
    envelopes = {e.pk: e for e in Envelope.objects.select_related("epci")}
    return _by_epci(filters, dict(Epci.objects.values_list("pk", "name")), envelopes)


RESIDENT_KEYS = ("handed_out", "started", "full", "used", "cheques_handed_out", "rate")


def residents_figures(filters, epci_names, by_epci_rows) -> dict | None:
    """Restricted to an EPCI: the chequebooks handed to its residents, from any envelope
    (CD12's included), the other filters applying — the residents' columns of the selected
    EPCI's row of ``_by_epci`` (one query, so the two tables never disagree). None when no
    EPCI is selected."""
    selected = _selected_epci(filters)
    if selected not in epci_names:  # none, or a coordinator whose structure has no EPCI
        return None
    row = next((r for r in by_epci_rows if r["epci_id"] == selected), None)
    figures = {k: row[k] for k in RESIDENT_KEYS} if row else dict.fromkeys(RESIDENT_KEYS, 0)
    if not row:
        figures["rate"] = None
    return {"name": epci_names[selected], **figures}


def _by_public(filters) -> list[dict]:
    labels = dict(TargetPublic.objects.values_list("pk", "label"))
    rows = (
        _tally(ChequebookTally, filters)
        .filter(handed_out__gt=0)
        .values("target_public_id")
        .annotate(
            n_cheques_handed_out=Sum("cheques_handed_out"),
            n_handed_out=Sum("handed_out"),
            n_started=Sum("started"),
            n_full=Sum("full"),
            n_used=Sum("used"),
        )
    )
    result = [
        {
            "name": labels.get(r["target_public_id"], "Non renseigné"),
            "handed_out": r["n_handed_out"] or 0,
            "started": r["n_started"] or 0,
            "full": r["n_full"] or 0,
            "used": r["n_used"] or 0,
            "cheques_handed_out": r["n_cheques_handed_out"] or 0,
            "rate": _rate(r["n_used"] or 0, r["n_cheques_handed_out"] or 0),
        }
        for r in rows
    ]
    return sorted(result, key=lambda r: r["name"])


def by_front_desk(filters) -> list[dict]:
    rows = (
        _tally(ChequebookTally, filters)
        .exclude(front_desk_id=None)
        .values("front_desk_id")
        .annotate(
            n_cheques_handed_out=Sum("cheques_handed_out"),
            n_at_front_desk=Sum("at_front_desk"),
            n_stale_stock=Sum("stale_stock"),
            n_handed_out=Sum("handed_out"),
            n_started=Sum("started"),
            n_not_started=Sum("not_started"),
            n_used=Sum("used"),
        )
    )
    rows = [{k.removeprefix("n_"): v for k, v in r.items()} for r in rows]
    names = dict(
        Organisation.objects.filter(pk__in=[r["front_desk_id"] for r in rows]).values_list(
            "pk", "name"
        )
    )
    result = []
    for r in rows:
        r = {k: (v or 0) for k, v in r.items()}
        r["name"] = names.get(r["front_desk_id"], "?")
        r["organisation_id"] = r.pop("front_desk_id")
        r["rate"] = _rate(r["used"], r["cheques_handed_out"])
        result.append(r)
    return sorted(result, key=lambda r: r["name"])


def by_mediator(filters) -> list[dict]:
    red = {
        r["mediator_id"]: r
        for r in _tally(RedemptionTally, filters)
        .values("mediator_id")
        .annotate(
            redemptions=Sum("redemptions"),
            face=Sum("face_value_cents"),
            paid=Sum("mediator_net_cents", filter=Q(paid=True)),
        )
    }
    ref = {
        r["mediator_id"]: r
        for r in _tally(ReferralTally, filters)
        .values("mediator_id")
        .annotate(
            received=Sum("referrals"),
            accepted=Sum("referrals", filter=~Q(state__in=["proposed", "declined", "lapsed"])),
            overdue=Sum("referrals", filter=Q(overdue=True)),
        )
    }
    ids = set(red) | set(ref)
    names = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    result = []
    for pk in ids:
        r, f = red.get(pk, {}), ref.get(pk, {})
        result.append(
            {
                "organisation_id": pk,
                "name": names.get(pk, "?"),
                "referrals": f.get("received") or 0,
                "accepted": f.get("accepted") or 0,
                "overdue": f.get("overdue") or 0,
                "redemptions": r.get("redemptions") or 0,
                "face": r.get("face") or 0,
                "paid": r.get("paid") or 0,
            }
        )
    return sorted(result, key=lambda r: r["name"])


def by_month(filters) -> list[dict]:
    handed = {
        r["month"]: r
        for r in _tally(HandoverTally, filters)
        .values("month")
        .annotate(chequebooks=Sum("chequebooks"), cheques=Sum("cheques"))
    }
    redeemed = {
        r["month"]: r
        for r in _tally(RedemptionTally, filters)
        .values("month")
        .annotate(n=Sum("redemptions"), paid=Sum("mediator_net_cents", filter=Q(paid=True)))
    }
    months = sorted(m for m in set(handed) | set(redeemed) if m)
    return [
        {
            "month": m,
            "handed_out": (handed.get(m) or {}).get("chequebooks") or 0,
            "redeemed": (redeemed.get(m) or {}).get("n") or 0,
            "paid": (redeemed.get(m) or {}).get("paid") or 0,
        }
        for m in months
    ]


def _levels(filters):
    rows = list(
        _tally(AssessmentTally, filters)
        .values("level_label")
        .annotate(people=Sum("people"), reassessed=Sum("reassessed"), gain=Sum("gain_total"))
        .order_by("level_label")
    )
    levels = [
        {
            "level": r["level_label"],
            "people": r["people"] or 0,
            "reassessed": r["reassessed"] or 0,
            "gain": (r["gain"] / r["reassessed"]) if r["reassessed"] else None,
        }
        for r in rows
    ]
    reassessed = sum(r["reassessed"] or 0 for r in rows)
    gain_total = sum(r["gain"] or 0 for r in rows)
    return levels, {
        "people": sum(r["people"] or 0 for r in rows),
        "reassessed": reassessed,
        "average": (gain_total / reassessed) if reassessed else None,
    }


# --- The radar's lists (live) -----------------------------------------------------------------


def chequebooks_in_scope(filters: Filters):
    """Chequebooks the filters select; an EPCI's are those of its envelope (EPCI_FIELDS)."""
    qs = Chequebook.objects.all()
    for epci in (filters.scope_epci_id, filters.epci_id):
        if epci:
            qs = qs.filter(envelope__epci_id=epci)
    if filters.side:
        qs = qs.filter(envelope__side=filters.side)
    if filters.vintage_id:
        qs = qs.filter(vintage_id=filters.vintage_id)
    if filters.organisation_id:
        qs = qs.filter(
            Q(holder_id=filters.organisation_id)
            | Q(handed_out_by_organisation_id=filters.organisation_id)
        )
    return qs


def radar_stale_stock(filters: Filters, *, today=None):
    """Chequebooks held by a front desk for more than PASSNUM_RADAR_STOCK_DAYS days, of
    vintages still valid (an ended vintage's stock can no longer be used). Read live: the
    radar's number counts this very list."""
    today = today or timezone.localdate()
    cutoff = paris_midnight(today - timedelta(days=settings.PASSNUM_RADAR_STOCK_DAYS))
    return (
        chequebooks_in_scope(filters)
        .filter(
            ongoing_q(today=today), state=ChequebookState.AT_FRONT_DESK, allocated_at__lt=cutoff
        )
        .select_related("holder", "vintage", "envelope__epci")
        .order_by("allocated_at", "number")
    )


def radar_not_started_by_front_desk(filters: Filters):
    """Front desks whose chequebooks were handed out more than PASSNUM_RADAR_NOT_STARTED_DAYS
    days ago and never started, with how many (from the tallies: the same figures as the
    dashboard's radar, whose numbers link here)."""
    rows = (
        _tally(ChequebookTally, filters)
        .filter(not_started__gt=0)
        .exclude(front_desk_id=None)
        .values("front_desk_id")
        .annotate(chequebooks=Sum("not_started"))
        .order_by("-chequebooks", "front_desk_id")
    )
    return _with_organisations(list(rows), "front_desk_id")


def radar_expiring_by_front_desk(filters: Filters, *, days: int, today=None):
    """Front desks with cheques still unused (at the desk or in people's hands) of vintages
    that end within ``days`` days (from the tallies, like the dashboard's radar), and the
    programme's own stock (not yet allocated to a desk) apart: ``(rows, programme_stock)``,
    which add up to the radar's number."""
    today = today or timezone.localdate()
    rows = (
        _tally(ChequebookTally, filters)
        .filter(expiring_within_q(days, today=today), usable__gt=0)
        .values("front_desk_id")
        .annotate(n_usable=Sum("usable"), n_handed=Sum("handed"), until=Max("vintage__valid_until"))
        .order_by("-n_handed", "front_desk_id")
    )
    rows = list(rows)
    programme_stock = sum(r["n_usable"] or 0 for r in rows if r["front_desk_id"] is None)
    rows = [r for r in rows if r["front_desk_id"] is not None]
    for r in rows:
        # A chequebook with a front desk is at the desk or handed out: its usable cheques are
        # at the desk or in the person's hands.
        r["handed_out"] = r["n_handed"] or 0
        r["at_front_desk"] = (r["n_usable"] or 0) - r["handed_out"]
    return _with_organisations(rows, "front_desk_id"), programme_stock


def _with_organisations(rows, key):
    orgs = Organisation.objects.in_bulk([r[key] for r in rows if r[key]])
    for r in rows:
        r["organisation"] = orgs.get(r[key])
    return [r for r in rows if r["organisation"] is not None]


def radar_referrals_overdue(filters: Filters, *, today=None):
    """Referrals still proposed after PASSNUM_REFERRAL_FOLLOW_UP_DAYS days (read live: the
    radar's number counts this very list). Filtered by vintage, those that came with a
    chequebook of that vintage."""
    today = today or timezone.localdate()
    cutoff = paris_midnight(today - timedelta(days=settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS))
    qs = Referral.objects.filter(state=ReferralState.PROPOSED, created_at__lt=cutoff)
    for epci in (filters.scope_epci_id, filters.epci_id):
        if epci:
            qs = qs.filter(
                Q(from_organisation__epci_id=epci)
                | Q(place__commune__epci_id=epci)
                | Q(beneficiary__commune__epci_id=epci)
            )
    if filters.side:
        qs = qs.filter(from_organisation__side=filters.side)
    if filters.organisation_id:
        qs = qs.filter(
            Q(from_organisation_id=filters.organisation_id) | Q(mediator_id=filters.organisation_id)
        )
    if filters.vintage_id:  # the vintage of the chequebook the referral came with, if any
        qs = qs.filter(chequebook__vintage_id=filters.vintage_id)
    return qs.select_related(
        "from_organisation", "mediator", "place", "chequebook__vintage"
    ).order_by("created_at")


# --- Lists of what reporting produced ---------------------------------------------------------


def reports_visible_to(membership):
    """Rule: programme managers see every report; an EPCI coordinator those of its EPCI."""
    if membership is None:
        return Report.objects.none()
    if membership.role == Role.PROGRAMME_MANAGER:
        return Report.objects.all()
    if membership.role == Role.EPCI_COORDINATOR and membership.organisation.epci_id:
        return Report.objects.filter(epci_id=membership.organisation.epci_id)
    return Report.objects.none()


def export_jobs_visible_to(membership):
    """Rule: an export is visible to the person who asked for it, for that organisation."""
    if membership is None:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(
        created_by=membership.user, organisation=membership.organisation
    )


# --- Home figures (live, one organisation) ----------------------------------------------------


def front_desk_figures(organisation) -> dict:
    cb = Chequebook.objects.aggregate(
        stock=Count("pk", filter=Q(holder=organisation, state=ChequebookState.AT_FRONT_DESK)),
        handed_out=Count("pk", filter=Q(handed_out_by_organisation=organisation)),
    )
    refs = dict(
        Referral.objects.filter(from_organisation=organisation)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    return {
        **cb,
        "referrals": [(label, refs.get(value, 0)) for value, label in ReferralState.choices],
        "referrals_total": sum(refs.values()),
    }


def mediator_figures(organisation, *, today=None) -> dict:
    today = today or timezone.localdate()
    since = paris_midnight(month_start(today))
    return Redemption.objects.filter(mediator=organisation).aggregate(
        this_month=Count("pk", filter=Q(redeemed_at__gte=since)),
        total=Count("pk"),
        paid_cents=Sum("mediator_net_cents", filter=Q(statement__status=StatementStatus.PAID)),
    )


def organisation_choices(membership):
    qs = Organisation.objects.filter(
        kind__in=[OrganisationKind.FRONT_DESK, OrganisationKind.MEDIATOR]
    )
    epci = scope_epci_id(membership)
    if epci:
        qs = qs.filter(epci_id=epci)
    return qs.order_by("name")
