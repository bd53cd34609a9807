"""What a member may do with one chequebook, for its page: each flag asks the rule the
service itself checks, so a button is shown exactly when the service would accept."""

from dataclasses import dataclass

from passnum.organisations.roles import is_programme_manager
from passnum.programme.vintages import vintage_has_ended, vintage_is_frozen

from ..models import Chequebook, ChequebookState
from ..states import CHEQUEBOOK_CANCEL, CHEQUEBOOK_HAND_OVER, CHEQUEBOOK_RETURN
from .cancellation import chequebook_may_be_cancelled_by
from .handover import (
    chequebook_handed_out_by_desk_of,
    chequebook_handover_candidates,
    chequebook_receipt_allowed,
)
from .stock import chequebook_may_be_returned_by, chequebook_may_be_transferred


@dataclass(frozen=True)
class ChequebookActions:
    #: A programme manager: sees the print run and may grant an exception.
    is_manager: bool
    #: The person's name is shown to managers and to the desk that handed the chequebook out.
    show_person: bool
    #: Its vintage has ended / its hand-over is frozen (said on the page).
    ended: bool
    frozen: bool
    #: Still at a desk after its vintage ended: to give back to the programme (said on the page).
    to_give_back: bool
    can_hand_over: bool
    can_cancel: bool
    can_return: bool
    can_transfer: bool
    can_receipt: bool
    #: A cancelled chequebook this desk handed out, not yet replaced: a replacement may be
    #: handed over (``chequebook_hand_over(..., replaces=...)``).
    can_replace: bool
    can_grant_exception: bool
    replaced_by: Chequebook | None


def chequebook_actions(chequebook, membership, *, today=None) -> ChequebookActions:
    """The actions ``membership`` may take on ``chequebook`` (one already visible to it), from
    the services' own rules: hand-over (``chequebook_handover_candidates``), opposition
    (``chequebook_may_be_cancelled_by`` and ``CHEQUEBOOK_CANCEL``), return
    (``chequebook_may_be_returned_by`` and ``CHEQUEBOOK_RETURN``), transfer (a manager,
    ``chequebook_may_be_transferred``), receipt (``chequebook_receipt_allowed``)."""
    state = chequebook.state
    is_manager = is_programme_manager(membership)
    handed_by_us = chequebook_handed_out_by_desk_of(chequebook, membership)
    replaced_by = Chequebook.objects.filter(replaces=chequebook).first()
    can_hand_over = (
        CHEQUEBOOK_HAND_OVER.allowed_from(state)
        and chequebook_handover_candidates(membership=membership).filter(pk=chequebook.pk).exists()
    )
    return ChequebookActions(
        is_manager=is_manager,
        show_person=is_manager or handed_by_us,
        ended=vintage_has_ended(chequebook.vintage, today=today),
        frozen=vintage_is_frozen(chequebook.vintage, today=today),
        to_give_back=state == ChequebookState.AT_FRONT_DESK
        and vintage_has_ended(chequebook.vintage, today=today),
        can_hand_over=can_hand_over,
        can_cancel=CHEQUEBOOK_CANCEL.allowed_from(state)
        and chequebook_may_be_cancelled_by(chequebook, membership),
        can_return=CHEQUEBOOK_RETURN.allowed_from(state)
        and chequebook_may_be_returned_by(chequebook, membership),
        can_transfer=is_manager and chequebook_may_be_transferred(chequebook, today=today),
        can_receipt=chequebook_receipt_allowed(chequebook, membership),
        can_replace=state == ChequebookState.CANCELLED
        and bool(chequebook.beneficiary_id)
        and replaced_by is None
        and handed_by_us,
        can_grant_exception=is_manager and bool(chequebook.beneficiary_id),
        replaced_by=replaced_by,
    )
