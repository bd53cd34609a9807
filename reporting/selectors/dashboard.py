"""The dashboard as the page and the periodic report show it: its figures (``dashboard_data``),
the funnel's steps, the charts, each breakdown's rows and the radar's thresholds.

Both the dashboard view and ``report_generate`` (the PDF) build their context here, so the
report always says what the page says."""

from django.conf import settings

from .. import charts
from .breakdowns import (
    assessment_levels,
    by_epci,
    by_front_desk,
    by_mediator,
    by_month,
    by_public,
)
from .figures import dashboard_data
from .front_desk_types import by_front_desk_type
from .funding import funding_attach, funding_rows
from .impact import impact_context
from .scope import last_summary_run

#: The dashboard shows the first ten front desks and mediators; their pages list them all.
DASHBOARD_TOP = 10


def funnel_steps(funnel: dict) -> list[tuple[str, int]]:
    """The funnel's steps, from the chequebook bought to the chequebook fully used. Rule: a
    chequebook "distributed to the desks" is at a desk or handed out since."""
    return [
        ("Achetés", funnel.get("bought", 0)),
        ("Distribués aux accueils", funnel.get("at_front_desk", 0) + funnel.get("handed_out", 0)),
        ("Remis à une personne", funnel.get("handed_out", 0)),
        ("Commencés", funnel.get("started", 0)),
        ("Entièrement utilisés", funnel.get("full", 0)),
    ]


def _charts(data, steps, prefix) -> dict:
    return {
        "funnel": charts.funnel_chart(
            f"{prefix}chart-funnel", "Du chéquier acheté au chéquier utilisé", steps
        ),
        "epci": charts.bar_chart(
            f"{prefix}chart-epci",
            "Chéquiers remis par EPCI (commune de la personne)",
            [(r["name"], r["handed_out"]) for r in data["by_epci"]],
        ),
        "epci_map": charts.epci_tile_map(
            f"{prefix}chart-epci-map",
            "Taux d'utilisation par EPCI (carte schématique)",
            [r for r in data["by_epci"] if r["epci_id"]],
        ),
        "publics": charts.bar_chart(
            f"{prefix}chart-publics",
            "Chéquiers remis par public cible",
            [(r["name"], r["handed_out"]) for r in data["by_public"]],
            color=charts.PALETTE[1],
        ),
        "months": charts.bar_chart(
            f"{prefix}chart-months",
            "Chèques encaissés par mois",
            [(r["month"].strftime("%m/%Y"), r["redeemed"]) for r in data["by_month"]],
            color=charts.PALETTE[2],
        ),
    }


def _top(rows, key):
    return sorted(rows, key=lambda r: -(r[key] or 0))[:DASHBOARD_TOP]


def _dashboard_rows(data) -> dict[str, list[dict]]:
    """Each breakdown's rows as the dashboard shows them (front desks and mediators: the top)."""
    return {
        "epci": data["by_epci"],
        "publics": data["by_public"],
        "accueils": _top(data["by_front_desk"], "handed_out"),
        "mediateurs": _top(data["by_mediator"], "redemptions"),
        "mois": data["by_month"],
        "autonomie": data["levels"],
    }


def breakdown_rows(name: str, filters) -> list[dict]:
    """Every row of one breakdown (its own page and its exports), by its name in the URL."""
    return {
        "epci": by_epci,
        "publics": by_public,
        "accueils": by_front_desk,
        "types-accueil": by_front_desk_type,
        "mediateurs": by_mediator,
        "mois": by_month,
        "autonomie": lambda f: assessment_levels(f)[0],
    }[name](filters)


def radar_days() -> dict[str, int]:
    """The radar's thresholds, in days (settings), as the dashboard states them."""
    return {
        "stock": settings.PASSNUM_RADAR_STOCK_DAYS,
        "not_started": settings.PASSNUM_RADAR_NOT_STARTED_DAYS,
        "referral": settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS,
        "missed_appointment": settings.PASSNUM_RADAR_MISSED_APPOINTMENT_DAYS,
    }


def dashboard_context(filters, *, today=None, for_pdf=False) -> dict:
    """Everything the dashboard's figures template (``reporting/_figures.html``) shows, for the
    page and for the PDF report (``for_pdf``: the charts' ids are prefixed)."""
    data = dashboard_data(filters, today=today)
    steps = funnel_steps(data["funnel"])
    data["charts"] = _charts(data, steps, "pdf-" if for_pdf else "")
    data["funnel_steps"] = steps
    data["breakdown_rows"] = _dashboard_rows(data)
    data["run"] = last_summary_run()
    data["settings_days"] = radar_days()
    data["pdf"] = for_pdf
    data["counts"] = {
        "accueils": len(data["by_front_desk"]),
        "mediateurs": len(data["by_mediator"]),
    }
    data["top"] = DASHBOARD_TOP
    data["front_desk_types"] = by_front_desk_type(filters)
    data["funding"] = funding_rows(filters)
    funding_attach(data["budget"], data["funding"])
    data.update(impact_context(filters, today=today))  # appointments and impact (issue 14)
    return data
