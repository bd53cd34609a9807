"""The dashboard's breakdowns (by EPCI, public, front desk, mediator, month and level), from
the tallies."""

from django.db.models import Q, Sum

from orientation.models import ReferralState
from passnum.organisations.models import Organisation
from passnum.programme.models import Envelope, TargetPublic
from passnum.territory.models import Epci

from ..models import (
    AssessmentTally,
    ChequebookTally,
    HandoverTally,
    RedemptionTally,
    ReferralTally,
)
from .scope import selected_epci, tally_rows, usage_rate, without_epci


def epci_rows(filters, epci_names, envelopes) -> list[dict]:
    """Per EPCI, two bases side by side, each named in its column: the EPCI's envelope
    (target, bought, at front desks) and the EPCI's residents (chequebooks handed to people
    living in its communes, from any envelope: handed out, started, fully used, redeemed,
    rate, paid). Restricted to an EPCI, only its row is kept."""
    unscoped = without_epci(filters)
    rows = (
        tally_rows(ChequebookTally, unscoped)
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
        for r in tally_rows(ChequebookTally, unscoped)
        .exclude(envelope_epci_id=None)
        .values("envelope_epci_id")
        .annotate(n=Sum("chequebooks"), at_desk=Sum("at_front_desk"))
    }
    paid = dict(
        tally_rows(RedemptionTally, unscoped)
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
    selected = selected_epci(filters)
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
        row["rate"] = usage_rate(row["used"], row["cheques_handed_out"])
        result.append(row)
    return sorted(result, key=lambda r: r["name"])


def by_epci(filters) -> list[dict]:
    """The breakdown by EPCI alone (its page and exports)."""
    envelopes = {e.pk: e for e in Envelope.objects.select_related("epci")}
    return epci_rows(filters, dict(Epci.objects.values_list("pk", "name")), envelopes)


RESIDENT_KEYS = ("handed_out", "started", "full", "used", "cheques_handed_out", "rate")


def residents_figures(filters, epci_names, by_epci_rows) -> dict | None:
    """Restricted to an EPCI: the chequebooks handed to its residents, from any envelope
    (CD12's included), the other filters applying — the residents' columns of the selected
    EPCI's row of ``_by_epci`` (one query, so the two tables never disagree). None when no
    EPCI is selected."""
    selected = selected_epci(filters)
    if selected not in epci_names:  # none, or a coordinator whose structure has no EPCI
        return None
    row = next((r for r in by_epci_rows if r["epci_id"] == selected), None)
    figures = {k: row[k] for k in RESIDENT_KEYS} if row else dict.fromkeys(RESIDENT_KEYS, 0)
    if not row:
        figures["rate"] = None
    return {"name": epci_names[selected], **figures}


def by_public(filters) -> list[dict]:
    labels = dict(TargetPublic.objects.values_list("pk", "label"))
    rows = (
        tally_rows(ChequebookTally, filters)
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
            "rate": usage_rate(r["n_used"] or 0, r["n_cheques_handed_out"] or 0),
        }
        for r in rows
    ]
    return sorted(result, key=lambda r: r["name"])


def by_front_desk(filters) -> list[dict]:
    rows = (
        tally_rows(ChequebookTally, filters)
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
        r["rate"] = usage_rate(r["used"], r["cheques_handed_out"])
        result.append(r)
    return sorted(result, key=lambda r: r["name"])


#: A referral its mediator never accepted: still proposed, declined, or lapsed unanswered.
NEVER_ACCEPTED = (ReferralState.PROPOSED, ReferralState.DECLINED, ReferralState.LAPSED)


def by_mediator(filters) -> list[dict]:
    red = {
        r["mediator_id"]: r
        for r in tally_rows(RedemptionTally, filters)
        .values("mediator_id")
        .annotate(
            redemptions=Sum("redemptions"),
            face=Sum("face_value_cents"),
            paid=Sum("mediator_net_cents", filter=Q(paid=True)),
        )
    }
    ref = {
        r["mediator_id"]: r
        for r in tally_rows(ReferralTally, filters)
        .values("mediator_id")
        .annotate(
            received=Sum("referrals"),
            accepted=Sum("referrals", filter=~Q(state__in=NEVER_ACCEPTED)),
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
        for r in tally_rows(HandoverTally, filters)
        .values("month")
        .annotate(chequebooks=Sum("chequebooks"), cheques=Sum("cheques"))
    }
    redeemed = {
        r["month"]: r
        for r in tally_rows(RedemptionTally, filters)
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


def assessment_levels(filters):
    rows = list(
        tally_rows(AssessmentTally, filters)
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
