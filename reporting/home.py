"""Panels this app adds to the home page of each role (see passnum.core.home).

Figures only (the other apps' panels carry the actions), so they come after them."""

from passnum.core.home import Panel
from passnum.organisations.roles import (
    is_front_desk_agent,
    is_mediator_member,
    reads_figures,
)

from . import selectors

FIGURES_ORDER = 500


def panels(request) -> list:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    org = membership.organisation
    if is_front_desk_agent(membership):
        return [
            Panel(
                "reporting/panels/front_desk_figures.html",
                selectors.front_desk_figures(org),
                FIGURES_ORDER,
            )
        ]
    if is_mediator_member(membership):
        return [
            Panel(
                "reporting/panels/mediator_figures.html",
                selectors.mediator_figures(org),
                FIGURES_ORDER,
            )
        ]
    if reads_figures(membership):
        return [Panel("reporting/panels/dashboard_link.html", {}, FIGURES_ORDER)]
    return []
