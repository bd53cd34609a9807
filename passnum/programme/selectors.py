"""Reading the programme's reference data."""

from django.db.models import Count, Q, Sum

from passnum.audit.models import JournalEntry
from passnum.organisations.models import Organisation, OrganisationKind
from passnum.territory.models import Commune, Epci, Side

from .models import (
    BudgetLine,
    FundCall,
    Funder,
    FundPayment,
    Programme,
    TargetPublic,
    Vintage,
)

#: The EPCI chequebook envelope of the seed, split among the partner EPCI.
EPCI_ENVELOPE_TOTAL = 3000


def programme_current() -> Programme | None:
    """Rule: the application runs one programme, the first loaded (lowest id); None before any
    is loaded."""
    return Programme.objects.order_by("id").first()


def budget_total_cents(programme: Programme) -> int:
    """The programme's budget: the sum of its funders' budget lines, in cents."""
    return (
        BudgetLine.objects.filter(funder__programme=programme).aggregate(t=Sum("amount_cents"))["t"]
        or 0
    )


def programme_overview(programme: Programme) -> dict:
    """The figures of the programme's overview page: budget by funder, chequebook envelopes
    and active target publics by side, vintages, partner EPCI, communes, and the last ten
    changes to the programme's data."""
    return {
        "programme": programme,
        "budget_total": budget_total_cents(programme),
        "funders": Funder.objects.filter(programme=programme).annotate(
            total=Sum("budget_lines__amount_cents")
        ),
        "envelopes": programme.envelopes.aggregate(
            cd12=Sum("chequebook_target", filter=Q(side=Side.CD12)),
            epci=Sum("chequebook_target", filter=Q(side=Side.EPCI)),
        ),
        "epci_envelope_total": EPCI_ENVELOPE_TOTAL,
        "vintages": Vintage.objects.filter(programme=programme),
        "publics": TargetPublic.objects.aggregate(
            cd12=Count("pk", filter=Q(side=Side.CD12, is_active=True)),
            epci=Count("pk", filter=Q(side=Side.EPCI, is_active=True)),
        ),
        "partner_count": Epci.objects.filter(is_partner=True).count(),
        "epci_count": Epci.objects.count(),
        "commune_count": Commune.objects.count(),
        "history": JournalEntry.objects.filter(action__startswith="programme.").select_related(
            "actor", "organisation"
        )[:10],
    }


def paper_issuer() -> dict:
    """Rule: every paper the programme prints (referral sheet, receipt, statement, agreement,
    report, a person's data) names its issuer: the programme owner's organisation (CD12),
    with its address and contact as managers keep them in *Organisations*, and the
    programme's name. Empty values are left out by the template."""
    owner = (
        Organisation.objects.filter(kind=OrganisationKind.OWNER)
        .select_related("commune")
        .order_by("id")
        .first()
    )
    programme = programme_current()
    town = ""
    if owner is not None and owner.commune_id:
        postcode = (owner.commune.postcodes or "").replace(",", " ").split()
        town = " ".join([*postcode[:1], owner.commune.name])
    return {
        "name": owner.name if owner else "",
        "address": owner.address if owner else "",
        "town": town,
        "phone": owner.phone if owner else "",
        "email": owner.email if owner else "",
        "programme": programme.name if programme else "Pass numérique",
    }


# --- Calls for funds and payments received --------------------------------------------------------


def funding_by_funder_year(programme: Programme | None = None, *, year: int | None = None):
    """Per funder and year (of ``year`` only, when given): called (the calls for funds), received
    (the payments) and the balance due (called − received; negative: paid in advance), in
    cents, funders in their order then years. Two queries."""
    calls = FundCall.objects.all()
    payments = FundPayment.objects.all()
    if programme is not None:
        calls = calls.filter(funder__programme=programme)
        payments = payments.filter(funder__programme=programme)
    if year is not None:
        calls, payments = calls.filter(year=year), payments.filter(year=year)
    rows: dict[tuple, dict] = {}
    for source, key in ((calls, "called"), (payments, "received")):
        for r in source.values("funder_id", "funder__name", "year").annotate(
            total=Sum("amount_cents")
        ):
            row = rows.setdefault(
                (r["funder_id"], r["year"]),
                {"funder_id": r["funder_id"], "funder": r["funder__name"], "year": r["year"],
                 "called": 0, "received": 0},
            )  # fmt: skip
            row[key] = r["total"] or 0
    result = sorted(rows.values(), key=lambda r: (r["funder_id"], r["year"]))
    for row in result:
        row["balance"] = row["called"] - row["received"]
    return result


def funding_balance(*, funder: Funder, year: int) -> dict:
    """One funder's called, received and balance due for one year."""
    rows = [r for r in funding_by_funder_year(funder.programme, year=year)
            if r["funder_id"] == funder.pk]  # fmt: skip
    return rows[0] if rows else {"called": 0, "received": 0, "balance": 0, "year": year}
