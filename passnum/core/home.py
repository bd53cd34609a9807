"""Home pages are assembled from panels that each app contributes.

Each app may define ``home.py`` with ``panels(request) -> list[Panel]``; the home page shows
the panels for the current role, in order. A panel is a template and its context.
"""

from dataclasses import dataclass, field
from importlib import import_module

HOME_APPS = ["chequebooks", "orientation", "mediation", "reporting", "passnum.organisations"]


@dataclass
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


def home_panels(request) -> list[Panel]:
    panels: list[Panel] = []
    for app in HOME_APPS:
        try:
            module = import_module(f"{app}.home")
        except ModuleNotFoundError:
            continue
        panels.extend(module.panels(request))
    return sorted(panels, key=lambda p: p.order)
