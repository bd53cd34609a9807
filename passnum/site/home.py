"""The home page is assembled from the panels each app contributes.

Each app's ``home.py`` has ``panels(request) -> list[Panel]``; the home page shows the panels
for the current role, in order."""

import chequebooks.home
import mediation.home
import orientation.home
import reporting.home
from passnum.core.home import Panel
from passnum.organisations import home as organisations_home

HOME_MODULES = [
    chequebooks.home,
    orientation.home,
    mediation.home,
    reporting.home,
    organisations_home,
]


def home_panels(request) -> list[Panel]:
    panels: list[Panel] = []
    for module in HOME_MODULES:
        panels.extend(module.panels(request))
    return sorted(panels, key=lambda p: p.order)
