"""Panels this app adds to the home page of each role (see passnum.core.home)."""

from django.db.models import Count, Q

from passnum.core.home import Panel
from passnum.organisations.roles import (
    is_epci_coordinator,
    is_front_desk_agent,
    is_programme_manager,
)
from passnum.programme.vintages import ongoing_q

from . import selectors
from .models import Chequebook, ChequebookState, PrintRun
from .services import chequebook_handover_candidates


def panels(request) -> list:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    org = membership.organisation
    if is_front_desk_agent(membership):
        # An ended vintage's chequebooks are not stock: counted apart, to be given back. Their
        # receipt is still asked for (``chequebooks_receipt_confirm``): the count to confirm is
        # the desk page's list, ``selectors.chequebooks_awaiting_receipt``, whatever the vintage.
        ongoing = ongoing_q()
        row = Chequebook.objects.filter(holder=org, state=ChequebookState.AT_FRONT_DESK).aggregate(
            awaiting=Count("pk", filter=Q(received_at__isnull=True)),
            in_hand=Count("pk", filter=ongoing),
            ended=Count("pk", filter=~ongoing),
        )
        row["ready"] = chequebook_handover_candidates(membership=membership).count()
        return [Panel("chequebooks/panels/desk.html", row, order=20)]
    if is_epci_coordinator(membership):
        rows = selectors.stock_by_envelope(membership)
        return [Panel("chequebooks/panels/coordinator.html", {"rows": rows}, order=30)]
    if is_programme_manager(membership):
        # Vintages still running: an ended vintage's leftovers are on its reconciliation page.
        stock = Chequebook.objects.filter(ongoing_q()).aggregate(
            in_stock=Count("pk", filter=Q(state=ChequebookState.IN_STOCK)),
            at_desks=Count("pk", filter=Q(state=ChequebookState.AT_FRONT_DESK)),
            unconfirmed=Count(
                "pk", filter=Q(state=ChequebookState.AT_FRONT_DESK, received_at__isnull=True)
            ),
            handed_out=Count("pk", filter=Q(state=ChequebookState.HANDED_OUT)),
        )
        runs = list(
            PrintRun.objects.filter(
                status__in=[PrintRun.Status.PENDING, PrintRun.Status.RUNNING]
            ).select_related("envelope__epci")[:5]
        )
        return [Panel("chequebooks/panels/manager.html", {**stock, "runs": runs}, order=30)]
    return []
