"""The allowed changes of state of a cheque and of a chequebook, written once.

Every service that changes a state checks it here; a forbidden change raises
``IllegalTransition``. Stock → front desk → handed out → redeemed → on a statement → paid;
or cancelled; or expired.
"""

from .models import ChequebookState, ChequeState


class IllegalTransition(Exception):
    def __init__(self, kind, from_state, to_state):
        self.from_state, self.to_state = from_state, to_state
        super().__init__(f"{kind}: {from_state} → {to_state} is not allowed")


CHEQUE_TRANSITIONS: dict[str, set[str]] = {
    ChequeState.IN_STOCK: {ChequeState.AT_FRONT_DESK, ChequeState.CANCELLED, ChequeState.EXPIRED},
    ChequeState.AT_FRONT_DESK: {
        ChequeState.IN_STOCK,  # returned to the programme's stock
        ChequeState.HANDED_OUT,
        ChequeState.CANCELLED,
        ChequeState.EXPIRED,
    },
    ChequeState.HANDED_OUT: {ChequeState.REDEEMED, ChequeState.CANCELLED, ChequeState.EXPIRED},
    ChequeState.REDEEMED: {ChequeState.ON_STATEMENT},
    ChequeState.ON_STATEMENT: {ChequeState.PAID},
    ChequeState.PAID: set(),
    ChequeState.CANCELLED: set(),
    ChequeState.EXPIRED: set(),
}

CHEQUEBOOK_TRANSITIONS: dict[str, set[str]] = {
    ChequebookState.IN_STOCK: {ChequebookState.AT_FRONT_DESK, ChequebookState.CANCELLED},
    ChequebookState.AT_FRONT_DESK: {
        ChequebookState.IN_STOCK,
        ChequebookState.AT_FRONT_DESK,  # transfer between front desks
        ChequebookState.HANDED_OUT,
        ChequebookState.CANCELLED,
    },
    ChequebookState.HANDED_OUT: {ChequebookState.CANCELLED},
    ChequebookState.CANCELLED: set(),
}


def cheque_transition_check(from_state: str, to_state: str) -> None:
    if to_state not in CHEQUE_TRANSITIONS[from_state]:
        raise IllegalTransition("cheque", from_state, to_state)


def chequebook_transition_check(from_state: str, to_state: str) -> None:
    if to_state not in CHEQUEBOOK_TRANSITIONS[from_state]:
        raise IllegalTransition("chequebook", from_state, to_state)


def cheque_states_from(to_state: str) -> list[str]:
    """The states a cheque may be in to move to ``to_state`` (for bulk UPDATE ... WHERE)."""
    return [s for s, targets in CHEQUE_TRANSITIONS.items() if to_state in targets]


#: A cheque that was redeemed, whatever happened to it since (on a statement, paid).
REDEEMED_STATES = [ChequeState.REDEEMED, ChequeState.ON_STATEMENT, ChequeState.PAID]
#: The states a cheque may be cancelled from: never once redeemed.
CANCELLABLE_CHEQUE_STATES = cheque_states_from(ChequeState.CANCELLED)
#: Cheques not redeemed: they become expired when their vintage ends.
UNREDEEMED_STATES = cheque_states_from(ChequeState.EXPIRED)
