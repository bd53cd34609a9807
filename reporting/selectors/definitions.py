"""The six figures the pages share, one definition each, named as the dashboard's
definitions name them (``FIGURE_LABELS``). The stock's and the money per vintage's rules
are chequebooks' (a layer below: its home panels and vintage pages count with them); the
payment's is here (only reporting counts it: tallies, home panels, dashboard, exports).

- stock at desk (« en stock à l'accueil »): ``chequebooks.selectors.stock_at_desk_q``;
- to give back (« à rendre »): ``chequebooks.selectors.to_give_back_q``;
- idle stock (« en stock depuis plus de N jours »): ``chequebooks.selectors.idle_stock_q``;
- to credit back (« à recréditer »): ``chequebooks.selectors.credit_back_cents``;
- committed (« engagé »): ``chequebooks.selectors.committed_cents``;
- paid (« payé aux médiateurs »): ``paid_q`` below.
"""

from django.db.models import Q

from chequebooks.selectors import (
    committed_cents,
    credit_back_cents,
    idle_stock_q,
    stock_at_desk_q,
    to_give_back_q,
)
from mediation.models import StatementStatus

#: Each figure's name, as the dashboard's definitions, the pages and the exports say it.
FIGURE_LABELS = {
    "stock_at_desk": "En stock à l'accueil",
    "to_give_back": "À rendre (millésime terminé)",
    "idle_stock": "En stock depuis plus de {days} jours",
    "credit_back": "À recréditer",
    "committed": "Engagé",
    "paid": "Payé aux médiateurs",
}


def paid_q(prefix: str = "") -> Q:
    """Rule (« payé aux médiateurs »): a redemption on a statement marked paid; its amount is
    the mediator's net (``mediator_net_cents``), whatever the period it was redeemed in."""
    return Q(**{f"{prefix}statement__status": StatementStatus.PAID})


__all__ = [
    "FIGURE_LABELS",
    "committed_cents",
    "credit_back_cents",
    "idle_stock_q",
    "paid_q",
    "stock_at_desk_q",
    "to_give_back_q",
]
