"""Panels this app adds to the home page of each role (see passnum.core.home)."""

from django.conf import settings
from django.db.models import Count, Q

from passnum.core.home import Panel
from passnum.organisations.roles import (
    is_epci_coordinator,
    is_front_desk_agent,
    is_programme_manager,
)
from passnum.programme.vintages import ongoing_q

from . import selectors
from .models import Chequebook, ChequebookState, PrintRun, awaiting_receipt_q
from .services import chequebook_handover_candidates


def panels(request) -> list:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    if is_front_desk_agent(membership):
        # In hand: ``selectors.desk_stock``. An ended vintage's chequebooks are not stock:
        # counted apart, to be given back. Their receipt is still asked for
        # (``chequebooks_receipt_confirm``), whatever the vintage.
        row = selectors.desk_stock_figures(membership.organisation)
        row["ready"] = chequebook_handover_candidates(membership=membership).count()
        row["idle_days"] = settings.PASSNUM_RADAR_STOCK_DAYS
        return [Panel("chequebooks/panels/desk.html", row, order=20)]
    if is_epci_coordinator(membership):
        rows = selectors.stock_by_envelope(membership)
        return [Panel("chequebooks/panels/coordinator.html", {"rows": rows}, order=30)]
    if is_programme_manager(membership):
        # Vintages still running: an ended vintage's leftovers are on its reconciliation page;
        # at the desks: ``stock_at_desk_q`` (the dashboard's "en stock à l'accueil"), the
        # chequebooks to give back (``to_give_back_q``) apart.
        stock = Chequebook.objects.aggregate(
            in_stock=Count("pk", filter=Q(ongoing_q(), state=ChequebookState.IN_STOCK)),
            at_desks=Count("pk", filter=selectors.stock_at_desk_q()),
            unconfirmed=Count("pk", filter=Q(ongoing_q()) & awaiting_receipt_q()),
            handed_out=Count("pk", filter=Q(ongoing_q(), state=ChequebookState.HANDED_OUT)),
            to_give_back=Count("pk", filter=selectors.to_give_back_q()),
        )
        runs = list(
            PrintRun.objects.filter(
                status__in=[PrintRun.Status.PENDING, PrintRun.Status.RUNNING]
            ).select_related("envelope__epci")[:5]
        )
        return [Panel("chequebooks/panels/manager.html", {**stock, "runs": runs}, order=30)]
    return []
