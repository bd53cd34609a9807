"""The allowed changes of state of a cheque and of a chequebook, written once, one named
``Transition`` each (passnum.audit.transitions).

A chequebook: in stock → at a front desk (allocated, received, transferred) → handed out; or
back to stock; or cancelled (opposition). A cheque follows its chequebook to the front desk and
to the person, then is redeemed → put on a statement → paid; or cancelled; or expired when its
vintage ends. Every service that changes a state goes through one of these transitions (one row:
``apply``/``check``; many rows in one UPDATE: ``sources`` in the WHERE clause).
"""

from passnum.audit.transitions import Transition, sources_of

from . import journal
from .models import ChequebookState, ChequeState

# --- Chequebook -------------------------------------------------------------------------------

#: A manager allocates a chequebook of the programme's stock to a front desk.
CHEQUEBOOK_ALLOCATE = Transition(
    "chequebook.allocate",
    sources=(ChequebookState.IN_STOCK,),
    target=ChequebookState.AT_FRONT_DESK,
    event=journal.CHEQUEBOOK_ALLOCATED,
    labels=ChequebookState,
)
#: The front desk confirms receipt (the state stays, ``received_at`` is set).
CHEQUEBOOK_RECEIVE = Transition(
    "chequebook.receive",
    sources=(ChequebookState.AT_FRONT_DESK,),
    target=ChequebookState.AT_FRONT_DESK,
    event=journal.CHEQUEBOOK_RECEIVED,
    labels=ChequebookState,
)
#: A chequebook at a front desk goes back to the programme's stock.
CHEQUEBOOK_RETURN = Transition(
    "chequebook.return",
    sources=(ChequebookState.AT_FRONT_DESK,),
    target=ChequebookState.IN_STOCK,
    event=journal.CHEQUEBOOK_RETURNED,
    labels=ChequebookState,
)
#: A manager moves a chequebook from one front desk to another.
CHEQUEBOOK_TRANSFER = Transition(
    "chequebook.transfer",
    sources=(ChequebookState.AT_FRONT_DESK,),
    target=ChequebookState.AT_FRONT_DESK,
    event=journal.CHEQUEBOOK_TRANSFERRED,
    labels=ChequebookState,
)
#: A front desk hands the chequebook to a person.
CHEQUEBOOK_HAND_OVER = Transition(
    "chequebook.hand_over",
    sources=(ChequebookState.AT_FRONT_DESK,),
    target=ChequebookState.HANDED_OUT,
    event=journal.CHEQUEBOOK_HANDED_OUT,
    labels=ChequebookState,
)
#: Opposition on a lost or stolen chequebook, wherever it is.
CHEQUEBOOK_CANCEL = Transition(
    "chequebook.cancel",
    sources=(
        ChequebookState.IN_STOCK,
        ChequebookState.AT_FRONT_DESK,
        ChequebookState.HANDED_OUT,
    ),
    target=ChequebookState.CANCELLED,
    event=journal.CHEQUEBOOK_CANCELLED,
    labels=ChequebookState,
)

CHEQUEBOOK_TRANSITIONS = (
    CHEQUEBOOK_ALLOCATE,
    CHEQUEBOOK_RECEIVE,
    CHEQUEBOOK_RETURN,
    CHEQUEBOOK_TRANSFER,
    CHEQUEBOOK_HAND_OVER,
    CHEQUEBOOK_CANCEL,
)

# --- Cheque -----------------------------------------------------------------------------------
# The cheques of a chequebook move with it in one UPDATE (its journal entry says it); the
# mediation app redeems them and puts them on statements (it journals those itself).

CHEQUE_ALLOCATE = Transition(
    "cheque.allocate",
    sources=(ChequeState.IN_STOCK,),
    target=ChequeState.AT_FRONT_DESK,
    labels=ChequeState,
)
CHEQUE_RETURN = Transition(
    "cheque.return",
    sources=(ChequeState.AT_FRONT_DESK,),
    target=ChequeState.IN_STOCK,
    labels=ChequeState,
)
CHEQUE_HAND_OVER = Transition(
    "cheque.hand_over",
    sources=(ChequeState.AT_FRONT_DESK,),
    target=ChequeState.HANDED_OUT,
    labels=ChequeState,
)
#: Opposition on a cheque (alone or with its chequebook): never once redeemed.
CHEQUE_CANCEL = Transition(
    "cheque.cancel",
    sources=(ChequeState.IN_STOCK, ChequeState.AT_FRONT_DESK, ChequeState.HANDED_OUT),
    target=ChequeState.CANCELLED,
    event=journal.CHEQUE_CANCELLED,
    labels=ChequeState,
)
#: A mediator redeems a cheque the person holds (mediation's redemption).
CHEQUE_REDEEM = Transition(
    "cheque.redeem",
    sources=(ChequeState.HANDED_OUT,),
    target=ChequeState.REDEEMED,
    labels=ChequeState,
)
#: A redeemed cheque goes on the mediator's monthly statement.
CHEQUE_PUT_ON_STATEMENT = Transition(
    "cheque.put_on_statement",
    sources=(ChequeState.REDEEMED,),
    target=ChequeState.ON_STATEMENT,
    labels=ChequeState,
)
#: The statement is paid.
CHEQUE_PAY = Transition("cheque.pay", sources=(ChequeState.ON_STATEMENT,), target=ChequeState.PAID)
#: Its vintage ended before it was redeemed.
CHEQUE_EXPIRE = Transition(
    "cheque.expire",
    sources=(ChequeState.IN_STOCK, ChequeState.AT_FRONT_DESK, ChequeState.HANDED_OUT),
    target=ChequeState.EXPIRED,
    labels=ChequeState,
)

CHEQUE_TRANSITIONS = (
    CHEQUE_ALLOCATE,
    CHEQUE_RETURN,
    CHEQUE_HAND_OVER,
    CHEQUE_CANCEL,
    CHEQUE_REDEEM,
    CHEQUE_PUT_ON_STATEMENT,
    CHEQUE_PAY,
    CHEQUE_EXPIRE,
)


def cheque_states_from(to_state: str) -> list[str]:
    """The states a cheque may be in to move to ``to_state`` (for bulk UPDATE ... WHERE)."""
    return sources_of(CHEQUE_TRANSITIONS, to_state)


# --- State groups -----------------------------------------------------------------------------

#: A cheque that was redeemed, whatever happened to it since (on a statement, paid).
REDEEMED_STATES = [ChequeState.REDEEMED, ChequeState.ON_STATEMENT, ChequeState.PAID]
#: The states a cheque may be cancelled from: never once redeemed.
CANCELLABLE_CHEQUE_STATES = cheque_states_from(ChequeState.CANCELLED)
#: Chequebooks not handed out yet: in the programme's stock or at a front desk.
CHEQUEBOOK_NOT_HANDED_OUT_STATES = [ChequebookState.IN_STOCK, ChequebookState.AT_FRONT_DESK]
#: Cheques not redeemed (in stock, at a front desk, handed out): they become expired when
#: their vintage ends.
UNREDEEMED_STATES = cheque_states_from(ChequeState.EXPIRED)
