"""Every forbidden change of state is refused, for cheques and chequebooks."""

import itertools

import pytest

from chequebooks.models import ChequebookState, ChequeState
from chequebooks.states import (
    CHEQUE_TRANSITIONS,
    CHEQUEBOOK_TRANSITIONS,
    IllegalTransition,
    cheque_states_from,
    cheque_transition_check,
    chequebook_transition_check,
)

CHEQUE_FORBIDDEN = [
    (a, b)
    for a, b in itertools.product(ChequeState.values, repeat=2)
    if b not in CHEQUE_TRANSITIONS[a]
]
CHEQUEBOOK_FORBIDDEN = [
    (a, b)
    for a, b in itertools.product(ChequebookState.values, repeat=2)
    if b not in CHEQUEBOOK_TRANSITIONS[a]
]


@pytest.mark.parametrize(("from_state", "to_state"), CHEQUE_FORBIDDEN)
def test_a_forbidden_cheque_transition_is_refused(from_state, to_state):
    with pytest.raises(IllegalTransition):
        cheque_transition_check(from_state, to_state)


@pytest.mark.parametrize(("from_state", "to_state"), CHEQUEBOOK_FORBIDDEN)
def test_a_forbidden_chequebook_transition_is_refused(from_state, to_state):
    with pytest.raises(IllegalTransition):
        chequebook_transition_check(from_state, to_state)


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


def test_allowed_transitions_pass_and_states_from_agrees():
    for a, targets in CHEQUE_TRANSITIONS.items():
        for b in targets:
            cheque_transition_check(a, b)
            assert a in cheque_states_from(b)
    assert cheque_states_from(ChequeState.REDEEMED) == [ChequeState.HANDED_OUT]
