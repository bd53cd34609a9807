"""Opposition on a lost or stolen chequebook or cheque."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from passnum.audit.services import journal_record
from passnum.organisations.roles import (
    is_front_desk_agent,
    is_programme_manager,
)

from ..models import (
    Cheque,
    Chequebook,
    ChequebookState,
    ChequeState,
)
from ..states import (
    CANCELLABLE_CHEQUE_STATES,
)
from .common import _transition

# --- Cancellation (opposition) ----------------------------------------------------------------


def _may_cancel(book, membership) -> bool:
    if is_programme_manager(membership):
        return True
    if not is_front_desk_agent(membership):
        return False
    org_id = membership.organisation_id
    if book.state == ChequebookState.HANDED_OUT:
        return book.handed_out_by_organisation_id == org_id
    return book.holder_id == org_id


def chequebook_cancel(*, chequebook, reason: str, membership) -> Chequebook:
    """Opposition on a lost or stolen chequebook.

    Rules: a reason is required; the front desk that holds it (or handed it out) or a
    programme manager cancels it; its cheques not yet redeemed become cancelled and can never
    be redeemed; redeemed cheques stay as they are. A replacement can then be handed over
    (``chequebook_hand_over(..., replaces=...)``)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif de l'opposition (perte, vol…).")
    with transaction.atomic():
        book = Chequebook.objects.select_for_update().get(pk=chequebook.pk)
        if not _may_cancel(book, membership):
            raise ValidationError(
                "Seul l'accueil du chéquier ou un gestionnaire peut y faire opposition."
            )
        _transition("chequebook", book.state, ChequebookState.CANCELLED)
        now = timezone.now()
        book.state, book.cancelled_at, book.cancellation_reason = (
            ChequebookState.CANCELLED,
            now,
            reason[:255],
        )
        book.save(update_fields=["state", "cancelled_at", "cancellation_reason"])
        count = Cheque.objects.filter(chequebook=book, state__in=CANCELLABLE_CHEQUE_STATES).update(
            state=ChequeState.CANCELLED, cancelled_at=now, cancellation_reason=reason[:255]
        )
        journal_record(
            action="chequebooks.chequebook.cancelled",
            actor=membership.user,
            organisation=membership.organisation,
            target=book,
            details={"reason": reason[:255], "cheques": count},
        )
    return book


def cheque_cancel(*, cheque, reason: str, membership) -> Cheque:
    """Opposition on a single cheque. Same rules as for a chequebook; a redeemed cheque, or
    one on a statement or paid, cannot be cancelled."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif de l'opposition (perte, vol…).")
    with transaction.atomic():
        locked = Cheque.objects.select_for_update().get(pk=cheque.pk)
        book = Chequebook.objects.get(pk=locked.chequebook_id)
        if not _may_cancel(book, membership):
            raise ValidationError(
                "Seul l'accueil du chéquier ou un gestionnaire peut y faire opposition."
            )
        _transition("cheque", locked.state, ChequeState.CANCELLED)
        locked.state, locked.cancelled_at, locked.cancellation_reason = (
            ChequeState.CANCELLED,
            timezone.now(),
            reason[:255],
        )
        locked.save(update_fields=["state", "cancelled_at", "cancellation_reason"])
        journal_record(
            action="chequebooks.cheque.cancelled",
            actor=membership.user,
            organisation=membership.organisation,
            target=locked,
            details={"reason": reason[:255], "chequebook": book.number},
        )
    return locked
