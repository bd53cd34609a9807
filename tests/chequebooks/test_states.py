"""Every forbidden change of state is refused, for cheques and chequebooks: the named
transitions (chequebooks/states.py) are the only way from one state to another."""

import itertools

import pytest

from chequebooks import journal
from chequebooks.models import ChequebookState, ChequeState
from chequebooks.states import (
    CANCELLABLE_CHEQUE_STATES,
    CHEQUE_CANCEL,
    CHEQUE_EXPIRE,
    CHEQUE_PAY,
    CHEQUE_PUT_ON_STATEMENT,
    CHEQUE_REDEEM,
    CHEQUE_TRANSITIONS,
    CHEQUEBOOK_CANCEL,
    CHEQUEBOOK_HAND_OVER,
    CHEQUEBOOK_NOT_HANDED_OUT_STATES,
    CHEQUEBOOK_TRANSITIONS,
    REDEEMED_STATES,
    UNREDEEMED_STATES,
    cheque_states_from,
)
from passnum.audit.transitions import IllegalTransition


def _allowed(transitions):
    return {(s, t.target) for t in transitions for s in t.sources}


CHEQUE_FORBIDDEN = [
    (a, b)
    for a, b in itertools.product(ChequeState.values, repeat=2)
    if (a, b) not in _allowed(CHEQUE_TRANSITIONS)
]
CHEQUEBOOK_FORBIDDEN = [
    (a, b)
    for a, b in itertools.product(ChequebookState.values, repeat=2)
    if (a, b) not in _allowed(CHEQUEBOOK_TRANSITIONS)
]


@pytest.mark.parametrize("transition", CHEQUE_TRANSITIONS + CHEQUEBOOK_TRANSITIONS)
def test_each_transition_refuses_every_state_it_does_not_leave_from(transition):
    states = ChequeState if transition in CHEQUE_TRANSITIONS else ChequebookState
    for state in states.values:
        if state in transition.sources:
            transition.check(state)
        else:
            with pytest.raises(IllegalTransition, match=f"{transition.name}: {state}"):
                transition.check(state)


@pytest.mark.parametrize(("from_state", "to_state"), CHEQUE_FORBIDDEN)
def test_a_forbidden_cheque_change_is_refused(from_state, to_state):
    """No named transition leads from ``from_state`` to ``to_state``: each one that leads to
    ``to_state`` refuses to leave from ``from_state``."""
    for transition in CHEQUE_TRANSITIONS:
        if transition.target == to_state:
            with pytest.raises(IllegalTransition, match=f"{from_state} → {to_state}"):
                transition.check(from_state)


def test_the_rules_that_matter_are_among_the_forbidden():
    for pair in [
        ("cancelled", "redeemed"),
        ("expired", "redeemed"),
        ("redeemed", "redeemed"),
        ("redeemed", "cancelled"),
        ("on_statement", "cancelled"),
        ("paid", "cancelled"),
        ("in_stock", "handed_out"),
        ("in_stock", "redeemed"),
        ("at_front_desk", "redeemed"),
    ]:
        assert pair in CHEQUE_FORBIDDEN
    assert ("handed_out", "at_front_desk") in CHEQUEBOOK_FORBIDDEN
    assert ("cancelled", "handed_out") in CHEQUEBOOK_FORBIDDEN
    assert not CHEQUEBOOK_HAND_OVER.allowed_from(ChequebookState.CANCELLED)


#: The workflow as the programme states it (stock → front desk → handed out → redeemed → on a
#: statement → paid; or cancelled; or expired), written by hand so the transitions are checked
#: against it rather than against themselves.
EXPECTED_CHEQUE_CHANGES = {
    ("in_stock", "at_front_desk"),
    ("at_front_desk", "in_stock"),
    ("at_front_desk", "handed_out"),
    ("handed_out", "redeemed"),
    ("redeemed", "on_statement"),
    ("on_statement", "paid"),
    ("in_stock", "cancelled"),
    ("at_front_desk", "cancelled"),
    ("handed_out", "cancelled"),
    ("in_stock", "expired"),
    ("at_front_desk", "expired"),
    ("handed_out", "expired"),
}
EXPECTED_CHEQUEBOOK_CHANGES = {
    ("in_stock", "at_front_desk"),
    ("in_stock", "cancelled"),
    ("at_front_desk", "in_stock"),
    ("at_front_desk", "at_front_desk"),  # received, or transferred between front desks
    ("at_front_desk", "handed_out"),
    ("at_front_desk", "cancelled"),
    ("handed_out", "cancelled"),
}


def test_the_transitions_allow_exactly_the_programmes_workflow():
    assert _allowed(CHEQUE_TRANSITIONS) == EXPECTED_CHEQUE_CHANGES
    assert _allowed(CHEQUEBOOK_TRANSITIONS) == EXPECTED_CHEQUEBOOK_CHANGES


def test_a_refused_change_reads_in_french():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="« Payé » vers « Opposé »") as exc:
        CHEQUE_CANCEL.require(ChequeState.PAID)
    assert exc.value.code == "illegal_transition"
    CHEQUE_CANCEL.require(ChequeState.HANDED_OUT)


def test_allowed_changes_pass_and_states_from_agrees():
    for a, b in _allowed(CHEQUE_TRANSITIONS):
        assert any(t.allowed_from(a) for t in CHEQUE_TRANSITIONS if t.target == b)
        assert a in cheque_states_from(b)
    assert cheque_states_from(ChequeState.REDEEMED) == [ChequeState.HANDED_OUT]
    assert CHEQUE_REDEEM.sources == (ChequeState.HANDED_OUT,)
    assert CHEQUE_PUT_ON_STATEMENT.sources == (ChequeState.REDEEMED,)
    assert CHEQUE_PAY.sources == (ChequeState.ON_STATEMENT,)


def test_the_state_groups_follow_the_transitions():
    assert set(REDEEMED_STATES) == {
        ChequeState.REDEEMED,
        ChequeState.ON_STATEMENT,
        ChequeState.PAID,
    }
    assert set(CANCELLABLE_CHEQUE_STATES) == set(CHEQUE_CANCEL.sources)
    # Not handed out yet: still on the way to a person (stock, front desk).
    assert set(CHEQUEBOOK_NOT_HANDED_OUT_STATES) == set(ChequebookState.values) - {
        ChequebookState.HANDED_OUT,
        ChequebookState.CANCELLED,
    }
    assert set(UNREDEEMED_STATES) == set(CHEQUE_EXPIRE.sources)
    assert set(UNREDEEMED_STATES) | set(REDEEMED_STATES) | {
        ChequeState.CANCELLED,
        ChequeState.EXPIRED,
    } == set(ChequeState.values)


def test_the_journaled_transitions_record_their_typed_event():
    assert CHEQUEBOOK_HAND_OVER.event is journal.CHEQUEBOOK_HANDED_OUT
    assert CHEQUEBOOK_CANCEL.event is journal.CHEQUEBOOK_CANCELLED
    assert CHEQUE_CANCEL.event is journal.CHEQUE_CANCELLED
