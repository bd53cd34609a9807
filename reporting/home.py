"""Panels this app adds to the home page of each role (see passnum.core.home).

Figures only (the other apps' panels carry the actions), so they come after them."""

from passnum.core.home import Panel
from passnum.organisations.models import OrganisationKind, Role

from . import selectors

FIGURES_ORDER = 500


def panels(request) -> list:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    org = membership.organisation
    if org.kind == OrganisationKind.FRONT_DESK and membership.role in (
        Role.EVALUATOR,
        Role.ORG_ADMIN,
    ):
        return [
            Panel(
                "reporting/panels/front_desk_figures.html",
                selectors.front_desk_figures(org),
                FIGURES_ORDER,
            )
        ]
    if org.kind == OrganisationKind.MEDIATOR and membership.role in (Role.MEDIATOR, Role.ORG_ADMIN):
        return [
            Panel(
                "reporting/panels/mediator_figures.html",
                selectors.mediator_figures(org),
                FIGURES_ORDER,
            )
        ]
    if membership.role in (Role.PROGRAMME_MANAGER, Role.EPCI_COORDINATOR):
        return [Panel("reporting/panels/dashboard_link.html", {}, FIGURES_ORDER)]
    return []
