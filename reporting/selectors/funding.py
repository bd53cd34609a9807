"""What the funders were called to pay and paid in (``passnum.programme``'s calls for funds
and payments received), beside the budget of the dashboard and in the periodic report."""

from passnum.programme.models import Vintage
from passnum.programme.selectors import funding_by_funder_year


def funding_year(filters) -> int | None:
    """The year the calls and payments are read for: the chosen vintage's, else all."""
    if not filters.vintage_id:
        return None
    return Vintage.objects.filter(pk=filters.vintage_id).values_list("year", flat=True).first()


def funding_in_scope(filters) -> bool:
    """Rule: calls for funds and payments are the programme's, per funder: they are shown for
    the whole programme only, not restricted to an EPCI, a side or a structure (no call is
    tied to an envelope)."""
    return not (filters.scope_epci_id or filters.epci_id or filters.side or filters.organisation_id)


def funding_attach(budget: dict, rows: list[dict] | None) -> None:
    """Give each funder's budget row its ``called`` and ``received`` (cents), summed over the
    years of ``rows`` (``funding_rows``; None out of ``funding_in_scope``: None too), and the
    budget their totals."""
    totals = None
    if rows is not None:
        totals = {}
        for r in rows:
            total = totals.setdefault(r["funder_id"], {"called": 0, "received": 0})
            total["called"] += r["called"]
            total["received"] += r["received"]
    for row in budget["funders"]:
        figures = (totals or {}).get(row["funder"].pk, {})
        row["called"] = figures.get("called", 0) if totals is not None else None
        row["received"] = figures.get("received", 0) if totals is not None else None
    budget["called"] = sum(r["called"] for r in budget["funders"]) if totals is not None else None
    budget["received"] = (
        sum(r["received"] for r in budget["funders"]) if totals is not None else None
    )


def funding_rows(filters) -> list[dict] | None:
    """The periodic report's section: per funder and year, called, received, balance due
    (``funding_by_funder_year``); None out of ``funding_in_scope``."""
    if not funding_in_scope(filters):
        return None
    return funding_by_funder_year(year=funding_year(filters))
