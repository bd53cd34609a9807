"""A home page panel: each app's ``home.py`` returns them, passnum.site.home puts them together.

A panel is a template and its context, with an order on the page.
"""

from dataclasses import dataclass, field


@dataclass
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
