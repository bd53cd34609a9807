"""The dashboard as the page and the periodic report show it: its figures (``dashboard_data``),
the funnel's steps, the charts, each breakdown's rows and the radar's thresholds.

Both the dashboard view and ``report_generate`` (the PDF) build their context here, so the
report always says what the page says."""

from django.conf import settings

from passnum.programme.vintages import vintage_has_ended

from .. import charts
from .breakdowns import (
    assessment_levels,
    by_epci,
    by_front_desk,
    by_mediator,
    by_month,
    by_public,
)
from .definitions import FIGURE_LABELS
from .figures import dashboard_data
from .front_desk_types import by_front_desk_type
from .funding import funding_attach, funding_rows
from .impact import impact_context
from .scope import last_summary_run

#: The dashboard shows the first ten front desks and mediators; their pages list them all.
DASHBOARD_TOP = 10


def funnel_steps(funnel: dict) -> list[tuple[str, int]]:
    """The funnel's steps, from the chequebook bought to the chequebook fully used. Rule: a
    chequebook "distributed to the desks" is at a desk (in stock there, or to give back) or
    handed out since."""
    distributed = sum(funnel.get(k, 0) for k in ("at_front_desk", "to_give_back", "handed_out"))
    return [
        ("Achetés", funnel.get("bought", 0)),
        ("Distribués aux accueils", distributed),
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


#: A row's keys that say what it is, not what it counts (an envelope's target is a goal).
NOT_COUNTS = {"pk", "target", "chequebook_target", "year", "rate", "share", "gain"}


def row_is_empty(row: dict) -> bool:
    """Rule: a dashboard row is empty when every figure it counts is zero (its names, ids and
    targets aside). Empty rows are shown only on "afficher tout" (``shown_and_hidden``)."""
    for key, value in row.items():
        if key in NOT_COUNTS or key.endswith("_id") or isinstance(value, bool):
            continue
        if isinstance(value, int | float) and value:
            return False
    return True


def shown_and_hidden(rows, *, hide=row_is_empty) -> tuple[list, list]:
    """``rows`` split in two, in order: those the dashboard shows first, and those it keeps
    behind "afficher tout" (``hide``: empty rows by default)."""
    shown, hidden = [], []
    for row in rows:
        (hidden if hide(row) else shown).append(row)
    return shown, hidden


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


def _year_is_hidden(today):
    """A budget year kept behind "afficher tout": its vintage has ended, or it counts nothing."""

    def hide(year) -> bool:
        return vintage_has_ended(year["vintage"], today=today) or row_is_empty(
            {k: v for k, v in year.items() if k != "planned"}
        )

    return hide


def _envelope_is_empty(row) -> bool:
    return not row.get("bought")


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


def figure_labels() -> dict[str, str]:
    """The shared figures' names as the dashboard says them (``FIGURE_LABELS``, with the
    radar's days)."""
    days = settings.PASSNUM_RADAR_STOCK_DAYS
    return {key: label.format(days=days) for key, label in FIGURE_LABELS.items()}


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
    # What shows first, and what waits behind "afficher tout" (empty rows, ended vintages).
    rows = {name: shown_and_hidden(r) for name, r in _dashboard_rows(data).items()}
    data["breakdown_rows"] = {name: shown for name, (shown, _) in rows.items()}
    data["breakdown_hidden"] = {name: hidden for name, (_, hidden) in rows.items()}
    data["envelopes_shown"], data["envelopes_hidden"] = shown_and_hidden(
        data["envelopes"], hide=_envelope_is_empty
    )
    data["years_shown"], data["years_hidden"] = shown_and_hidden(
        data["budget"]["years"], hide=_year_is_hidden(data["today"])
    )
    data["labels"] = figure_labels()
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
