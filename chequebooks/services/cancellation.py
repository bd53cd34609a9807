"""Opposition on a lost or stolen chequebook or cheque."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from passnum.organisations.roles import (
    is_front_desk_agent,
    is_programme_manager,
)

from ..models import (
    Cheque,
    Chequebook,
    ChequebookState,
)
from ..states import CHEQUE_CANCEL, CHEQUEBOOK_CANCEL


def chequebook_may_be_cancelled_by(book, membership) -> bool:
    """Rule: a programme manager may put an opposition on any chequebook (or one of its
    cheques); a front desk agent on a chequebook its desk handed out, or, not handed out yet,
    holds. Whether its state allows it is ``CHEQUEBOOK_CANCEL``'s (``CHEQUE_CANCEL``'s) to say."""
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
        if not chequebook_may_be_cancelled_by(book, membership):
            raise ValidationError(
                "Seul l'accueil du chéquier ou un gestionnaire peut y faire opposition."
            )
        CHEQUEBOOK_CANCEL.require(book.state)
        now = timezone.now()
        count = Cheque.objects.filter(chequebook=book, state__in=CHEQUE_CANCEL.sources).update(
            state=CHEQUE_CANCEL.target, cancelled_at=now, cancellation_reason=reason[:255]
        )
        book.cancelled_at, book.cancellation_reason = now, reason[:255]
        CHEQUEBOOK_CANCEL.apply(
            book,
            actor=membership.user,
            organisation=membership.organisation,
            update_fields=("cancelled_at", "cancellation_reason"),
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
        if not chequebook_may_be_cancelled_by(book, membership):
            raise ValidationError(
                "Seul l'accueil du chéquier ou un gestionnaire peut y faire opposition."
            )
        CHEQUE_CANCEL.require(locked.state)
        locked.cancelled_at, locked.cancellation_reason = timezone.now(), reason[:255]
        CHEQUE_CANCEL.apply(
            locked,
            actor=membership.user,
            organisation=membership.organisation,
            update_fields=("cancelled_at", "cancellation_reason"),
            details={"reason": reason[:255], "chequebook": book.number},
        )
    return locked
