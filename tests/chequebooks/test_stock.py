"""Stock movements: allocation, receipt, return, transfer; each journaled."""

import pytest
from django.core.exceptions import ValidationError

from chequebooks.models import (
    Cheque,
    Chequebook,
    ChequebookState,
    ChequeState,
    StockMovement,
    awaiting_receipt_q,
)
from chequebooks.services import (
    chequebook_return_to_stock,
    chequebook_transfer,
    chequebooks_allocate,
    chequebooks_receipt_confirm,
)
from passnum.audit.models import JournalEntry
from tests.factories import (
    ChequebookFactory,
    EpciFrontDeskFactory,
    FrontDeskFactory,
    VintageFactory,
    cd12_envelope,
    desk_chequebook,
    epci_envelope,
    evaluator_membership,
    manager_membership,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock():
    vintage, envelope = VintageFactory(), cd12_envelope()
    books = [
        ChequebookFactory(number=5000 + i, vintage=vintage, envelope=envelope) for i in range(6)
    ]
    return vintage, envelope, books


def test_a_manager_allocates_a_count_of_the_lowest_numbers(stock):
    vintage, envelope, books = stock
    desk = FrontDeskFactory()
    moved = chequebooks_allocate(
        envelope=envelope,
        vintage=vintage,
        front_desk=desk,
        membership=manager_membership(),
        count=4,
    )
    assert [b.number for b in moved] == [5000, 5001, 5002, 5003]
    held = Chequebook.objects.filter(holder=desk)
    assert held.count() == 4
    assert set(held.values_list("state", flat=True)) == {ChequebookState.AT_FRONT_DESK}
    assert not held.filter(received_at__isnull=False).exists()
    assert set(Cheque.objects.filter(chequebook__holder=desk).values_list("state", flat=True)) == {
        ChequeState.AT_FRONT_DESK
    }
    assert StockMovement.objects.filter(kind="allocation", to_organisation=desk).count() == 4
    assert JournalEntry.objects.filter(action="chequebooks.chequebook.allocated").count() == 4


def test_a_manager_allocates_a_range_that_must_be_wholly_available(stock):
    vintage, envelope, books = stock
    manager = manager_membership()
    desk = FrontDeskFactory()
    chequebooks_allocate(
        envelope=envelope,
        vintage=vintage,
        front_desk=desk,
        membership=manager,
        first_number=5002,
        last_number=5003,
    )
    with pytest.raises(ValidationError, match=r"seulement 1 chéquier disponible sur 3"):
        chequebooks_allocate(
            envelope=envelope,
            vintage=vintage,
            front_desk=desk,
            membership=manager,
            first_number=5001,
            last_number=5003,
        )


def test_allocation_refuses_more_than_the_stock(stock):
    vintage, envelope, _ = stock
    with pytest.raises(ValidationError, match="Stock insuffisant"):
        chequebooks_allocate(
            envelope=envelope,
            vintage=vintage,
            front_desk=FrontDeskFactory(),
            membership=manager_membership(),
            count=7,
        )
    assert not Chequebook.objects.filter(holder__isnull=False).exists()


def test_allocation_goes_only_to_front_desks_of_the_envelopes_side(stock):
    vintage, envelope, _ = stock
    manager = manager_membership()
    with pytest.raises(ValidationError, match="n'est pas un accueil servi"):
        chequebooks_allocate(
            envelope=envelope,
            vintage=vintage,
            front_desk=EpciFrontDeskFactory(),
            membership=manager,
            count=1,
        )
    epci_desk = EpciFrontDeskFactory()
    other_epci = epci_envelope()
    with pytest.raises(ValidationError, match="n'est pas un accueil servi"):
        chequebooks_allocate(
            envelope=other_epci,
            vintage=vintage,
            front_desk=epci_desk,
            membership=manager,
            count=1,
        )


def test_only_a_manager_allocates(stock):
    vintage, envelope, _ = stock
    desk = FrontDeskFactory()
    with pytest.raises(ValidationError, match="gestionnaire"):
        chequebooks_allocate(
            envelope=envelope,
            vintage=vintage,
            front_desk=desk,
            membership=evaluator_membership(desk),
            count=1,
        )


def test_the_front_desk_confirms_receipt_of_its_own_chequebooks_only():
    agent = evaluator_membership(FrontDeskFactory())
    mine = desk_chequebook(agent.organisation, received=False)
    theirs = desk_chequebook(FrontDeskFactory(), received=False)
    with pytest.raises(ValidationError, match="pas en attente de réception"):
        chequebooks_receipt_confirm(chequebooks=[mine, theirs], membership=agent)
    assert chequebooks_receipt_confirm(chequebooks=[mine], membership=agent) == 1
    mine.refresh_from_db()
    assert mine.received_at is not None
    with pytest.raises(ValidationError, match="pas en attente de réception"):
        chequebooks_receipt_confirm(chequebooks=[mine], membership=agent)  # already confirmed
    assert JournalEntry.objects.filter(action="chequebooks.chequebook.received").count() == 1


def test_a_chequebook_returns_to_stock_with_its_cheques():
    desk = FrontDeskFactory()
    book = desk_chequebook(desk)
    chequebook_return_to_stock(chequebook=book, membership=evaluator_membership(desk))
    book.refresh_from_db()
    assert book.state == ChequebookState.IN_STOCK and book.holder is None
    assert set(book.cheques.values_list("state", flat=True)) == {ChequeState.IN_STOCK}
    assert book.movements.filter(kind="return", from_organisation=desk).exists()


def test_another_desk_cannot_return_a_chequebook():
    book = desk_chequebook(FrontDeskFactory())
    with pytest.raises(ValidationError, match="détenteur"):
        chequebook_return_to_stock(
            chequebook=book, membership=evaluator_membership(FrontDeskFactory())
        )


def test_a_manager_transfers_between_desks_of_the_same_side():
    first, second = FrontDeskFactory(), FrontDeskFactory()
    book = desk_chequebook(first)
    manager = manager_membership()
    chequebook_transfer(chequebook=book, to_front_desk=second, membership=manager)
    book.refresh_from_db()
    assert book.holder == second and book.received_at is None
    assert book.movements.filter(
        kind="transfer", from_organisation=first, to_organisation=second
    ).exists()
    with pytest.raises(ValidationError, match="n'est pas servi"):
        chequebook_transfer(
            chequebook=book, to_front_desk=EpciFrontDeskFactory(), membership=manager
        )


def test_a_chequebook_in_stock_cannot_be_transferred():
    book = ChequebookFactory(vintage=VintageFactory(), envelope=cd12_envelope())
    with pytest.raises(ValidationError, match="Seul un chéquier déjà dans un accueil se transfère"):
        chequebook_transfer(
            chequebook=book, to_front_desk=FrontDeskFactory(), membership=manager_membership()
        )


def test_awaiting_receipt_is_one_rule_for_one_chequebook_and_for_a_query():
    desk = FrontDeskFactory()
    books = [
        desk_chequebook(desk, received=False),
        desk_chequebook(desk, received=True),
        ChequebookFactory(vintage=VintageFactory(), envelope=cd12_envelope()),  # in stock
    ]
    kept = set(Chequebook.objects.filter(awaiting_receipt_q()).values_list("pk", flat=True))
    assert kept == {b.pk for b in books if b.is_awaiting_receipt} == {books[0].pk}
