"""Cancellation (opposition) of a chequebook or a cheque, and a replacement chequebook."""

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from chequebooks.models import Cheque, ChequebookState, ChequeState
from chequebooks.services import (
    cheque_cancel,
    chequebook_cancel,
    chequebook_hand_over,
)
from chequebooks.states import CHEQUE_REDEEM
from passnum.audit.transitions import IllegalTransition
from tests.factories import (
    FrontDeskFactory,
    cd12_beneficiary,
    desk_chequebook,
    evaluator_membership,
    manager_membership,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_mid_year")]


@pytest.fixture
def _mid_year():
    with freeze_time("2026-06-15 10:00:00"):
        yield


def _handed_out():
    desk = FrontDeskFactory()
    agent = evaluator_membership(desk)
    person = cd12_beneficiary(desk)
    book = chequebook_hand_over(
        chequebook=desk_chequebook(desk), beneficiary=person, membership=agent
    )
    return agent, person, book


def test_the_desk_that_handed_it_out_cancels_a_lost_chequebook():
    agent, person, book = _handed_out()
    redeemed = book.cheques.get(position=1)
    Cheque.objects.filter(pk=redeemed.pk).update(state=ChequeState.REDEEMED)

    chequebook_cancel(chequebook=book, reason="Perte déclarée", membership=agent)

    book.refresh_from_db()
    assert book.state == ChequebookState.CANCELLED
    assert book.cancellation_reason == "Perte déclarée"
    states = dict(book.cheques.values_list("position", "state"))
    assert states.pop(1) == ChequeState.REDEEMED  # a redeemed cheque stays redeemed
    assert set(states.values()) == {ChequeState.CANCELLED}


def test_a_cancelled_cheque_can_never_be_redeemed():
    agent, person, book = _handed_out()
    cheque = book.cheques.get(position=3)
    cheque_cancel(cheque=cheque, reason="Volé", membership=agent)
    cheque.refresh_from_db()
    assert cheque.state == ChequeState.CANCELLED
    assert not CHEQUE_REDEEM.allowed_from(cheque.state)
    with pytest.raises(IllegalTransition, match="cheque.redeem: cancelled"):
        CHEQUE_REDEEM.check(cheque.state)


def test_a_reason_is_required():
    agent, person, book = _handed_out()
    with pytest.raises(ValidationError, match="motif"):
        chequebook_cancel(chequebook=book, reason="  ", membership=agent)


def test_another_desk_cannot_cancel_but_a_manager_can():
    agent, person, book = _handed_out()
    with pytest.raises(ValidationError, match="Seul l'accueil"):
        chequebook_cancel(
            chequebook=book, reason="Vol", membership=evaluator_membership(FrontDeskFactory())
        )
    chequebook_cancel(chequebook=book, reason="Vol", membership=manager_membership())
    book.refresh_from_db()
    assert book.state == ChequebookState.CANCELLED


def test_a_redeemed_cheque_cannot_be_cancelled():
    agent, person, book = _handed_out()
    cheque = book.cheques.get(position=2)
    Cheque.objects.filter(pk=cheque.pk).update(state=ChequeState.REDEEMED)
    with pytest.raises(ValidationError, match="Changement d'état impossible"):
        cheque_cancel(cheque=cheque, reason="Vol", membership=agent)


def test_a_cancelled_chequebook_cannot_be_cancelled_again():
    agent, person, book = _handed_out()
    chequebook_cancel(chequebook=book, reason="Vol", membership=agent)
    with pytest.raises(ValidationError, match="Changement d'état impossible"):
        chequebook_cancel(chequebook=book, reason="Vol", membership=agent)


def test_a_replacement_chequebook_is_handed_over_and_linked():
    agent, person, book = _handed_out()
    chequebook_cancel(chequebook=book, reason="Perte", membership=agent)
    replacement = desk_chequebook(agent.organisation)
    chequebook_hand_over(
        chequebook=replacement, beneficiary=person, membership=agent, replaces=book
    )
    replacement.refresh_from_db()
    assert replacement.replaces == book
    assert replacement.holding_rank == 0  # the cancelled one freed the person's allowance
    # A second replacement of the same chequebook is refused.
    other = desk_chequebook(agent.organisation)
    with pytest.raises(ValidationError, match="Ce chéquier opposé a déjà été remplacé"):
        chequebook_hand_over(chequebook=other, beneficiary=person, membership=agent, replaces=book)


def test_a_chequebook_at_a_desk_is_cancelled_by_that_desk():
    desk = FrontDeskFactory()
    book = desk_chequebook(desk)
    chequebook_cancel(chequebook=book, reason="Abîmé", membership=evaluator_membership(desk))
    assert set(book.cheques.values_list("state", flat=True)) == {ChequeState.CANCELLED}


def test_replacing_a_chequebook_granted_by_exception_needs_no_new_exception():
    from chequebooks.models import HandoverException
    from tests.factories import manager_membership

    agent, person, first = _handed_out()
    HandoverException.objects.create(
        beneficiary=person,
        vintage=first.vintage,
        reason="Deux enfants à charge",
        granted_by=manager_membership().user,
    )
    second = chequebook_hand_over(
        chequebook=desk_chequebook(agent.organisation, vintage=first.vintage),
        beneficiary=person,
        membership=agent,
    )
    assert second.holding_rank == 1
    chequebook_cancel(chequebook=second, reason="Vol", membership=agent)
    replacement = chequebook_hand_over(
        chequebook=desk_chequebook(agent.organisation, vintage=first.vintage),
        beneficiary=person,
        membership=agent,
        replaces=second,
    )
    assert replacement.holding_rank == 1
    # Without "replaces", the same hand-over would have needed another exception.
    with pytest.raises(ValidationError, match="déjà un chéquier"):
        chequebook_hand_over(
            chequebook=desk_chequebook(agent.organisation, vintage=first.vintage),
            beneficiary=person,
            membership=agent,
        )
