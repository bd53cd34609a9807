"""The periodic report for the State (a funder): the figures a funder asks for, one line
each (section, indicator, value, unit), for its PDF (``report_render`` with the "state"
variant) and its XLSX (the breakdown exports' writer). Read from the dashboard's context, so
the State's version says what the manager's says."""

from decimal import Decimal

#: The report's variants (``reporting.services.report_render``).
PROGRAMME = "programme"
STATE = "state"

CHEQUEBOOKS = "Chéquiers"
PUBLICS = "Personnes par public cible (chéquiers remis)"
EPCI = "Personnes par EPCI de résidence (chéquiers remis)"
AMOUNTS = "Montants"
IMPACT = "Impact"


def _euros(cents) -> Decimal | None:
    return None if cents is None else Decimal(cents) / 100


def state_report_rows(data: dict) -> list[dict]:
    """From ``dashboard_context`` data: chequebooks bought, handed out, started, fully used,
    cheques handed out and redeemed; people (chequebooks handed out) by target public and by
    EPCI of residence; amounts per funder (planned, committed, paid to mediators, called,
    received); impact (people assessed, re-assessed, average score gain) where available."""
    f = data["funnel"]
    rows = [
        (CHEQUEBOOKS, "Chéquiers achetés", f["bought"], "chéquiers"),
        (CHEQUEBOOKS, "Chéquiers remis à une personne", f["handed_out"], "chéquiers"),
        (CHEQUEBOOKS, "Chéquiers commencés", f["started"], "chéquiers"),
        (CHEQUEBOOKS, "Chéquiers entièrement utilisés", f["full"], "chéquiers"),
        (CHEQUEBOOKS, "Chèques remis", f["cheques_handed_out"], "chèques"),
        (CHEQUEBOOKS, "Chèques encaissés", f["used"], "chèques"),
        (CHEQUEBOOKS, "Taux d'utilisation",
         None if f["rate"] is None else round(Decimal(f["rate"] * 100), 1), "%"),
    ]  # fmt: skip
    rows += [(PUBLICS, r["name"], r["handed_out"], "personnes") for r in data["by_public"]]
    rows += [(EPCI, r["name"], r["handed_out"], "personnes") for r in data["by_epci"]]
    for r in data["budget"]["funders"]:
        name = r["funder"].name
        rows += [
            (AMOUNTS, f"{name} : budget prévu", _euros(r["planned"]), "€"),
            (AMOUNTS, f"{name} : engagé", _euros(r["committed"]), "€"),
            (AMOUNTS, f"{name} : payé aux médiateurs", _euros(r["paid"]), "€"),
            (AMOUNTS, f"{name} : appelé", _euros(r.get("called")), "€"),
            (AMOUNTS, f"{name} : reçu", _euros(r.get("received")), "€"),
        ]
    gain = data["gain"]
    rows += [
        (IMPACT, "Personnes évaluées", gain["people"], "personnes"),
        (IMPACT, "Personnes réévaluées", gain["reassessed"], "personnes"),
        (IMPACT, "Gain moyen de score (dernier − premier)",
         None if gain["average"] is None else round(Decimal(gain["average"]), 1), "points"),
    ]  # fmt: skip
    return [
        {"section": section, "label": label, "value": value, "unit": unit,
         "cents": round(value * 100) if unit == "€" and value is not None else None}
        for section, label, value, unit in rows
    ]  # fmt: skip


def state_report_sections(rows: list[dict]) -> list[tuple[str, list[dict]]]:
    """The rows grouped by section, in order (the PDF's tables)."""
    sections: dict[str, list[dict]] = {}
    for row in rows:
        sections.setdefault(row["section"], []).append(row)
    return list(sections.items())
