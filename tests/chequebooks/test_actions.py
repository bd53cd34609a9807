"""What a member may do with a chequebook (``chequebook_actions``): each flag is the rule the
service checks, and the receipt's service checks the page's permission itself."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

from chequebooks.models import ChequebookState
from chequebooks.services import (
    chequebook_actions,
    chequebook_cancel,
    chequebook_hand_over,
    chequebook_receipt_pdf,
    chequebook_return_to_stock,
    chequebook_transfer,
)
from passnum.audit.models import JournalEntry
from passnum.organisations.models import Role
from tests.factories import (
    EpciOrganisationFactory,
    FrontDeskFactory,
    MembershipFactory,
    VintageFactory,
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


def _flags(actions):
    return {k for k, v in vars(actions).items() if k.startswith("can_") and v is True}


def test_the_holding_desk_may_hand_over_return_and_cancel_a_chequebook_in_hand():
    agent = evaluator_membership()
    book = desk_chequebook(agent.organisation, vintage=VintageFactory(year=2026))
    actions = chequebook_actions(book, agent)
    assert _flags(actions) == {"can_hand_over", "can_return", "can_cancel"}
    assert not actions.is_manager and not actions.ended and not actions.frozen


def test_a_manager_may_transfer_return_and_cancel_but_not_hand_over():
    book = desk_chequebook(FrontDeskFactory(), vintage=VintageFactory(year=2026))
    actions = chequebook_actions(book, manager_membership())
    assert _flags(actions) == {"can_transfer", "can_return", "can_cancel"}
    assert actions.is_manager and not actions.can_grant_exception  # nobody holds it yet


def test_an_ended_vintage_is_not_transferred_nor_handed_out_but_goes_back():
    agent = evaluator_membership()
    book = desk_chequebook(agent.organisation, vintage=VintageFactory(year=2025))
    with freeze_time("2026-06-15 10:00:00"):
        manager = chequebook_actions(book, manager_membership())
        desk = chequebook_actions(book, agent)
    assert manager.ended and "can_transfer" not in _flags(manager)
    assert _flags(desk) == {"can_return", "can_cancel"}
    assert manager.to_give_back and desk.to_give_back
    with pytest.raises(ValidationError, match="ne se transfère plus"):
        chequebook_transfer(
            chequebook=book, to_front_desk=FrontDeskFactory(), membership=manager_membership()
        )


def test_the_desk_that_handed_it_out_may_print_the_receipt_and_see_the_person():
    agent = evaluator_membership()
    book = desk_chequebook(agent.organisation, vintage=VintageFactory(year=2026))
    chequebook_hand_over(
        chequebook=book, beneficiary=cd12_beneficiary(agent.organisation), membership=agent
    )
    book.refresh_from_db()
    actions = chequebook_actions(book, agent)
    assert _flags(actions) == {"can_receipt", "can_cancel"} and actions.show_person
    manager = chequebook_actions(book, manager_membership())
    assert _flags(manager) == {"can_receipt", "can_cancel", "can_grant_exception"}
    other = chequebook_actions(book, evaluator_membership(FrontDeskFactory()))
    assert _flags(other) == set() and not other.show_person
    coordinator = MembershipFactory(
        organisation=EpciOrganisationFactory(), role=Role.EPCI_COORDINATOR
    )
    assert _flags(chequebook_actions(book, coordinator)) == set()


def test_a_cancelled_chequebook_offers_its_replacement_to_the_desk_that_handed_it_out():
    agent = evaluator_membership()
    book = desk_chequebook(agent.organisation, vintage=VintageFactory(year=2026))
    chequebook_hand_over(
        chequebook=book, beneficiary=cd12_beneficiary(agent.organisation), membership=agent
    )
    chequebook_cancel(chequebook=book, reason="Perte", membership=agent)
    book.refresh_from_db()
    assert _flags(chequebook_actions(book, agent)) == {"can_replace"}
    assert _flags(chequebook_actions(book, manager_membership())) == {"can_grant_exception"}


def test_each_flag_refused_is_a_refusal_of_the_service():
    """Another desk's agent gets no flag, and each service refuses it, saying why."""
    book = desk_chequebook(FrontDeskFactory(), vintage=VintageFactory(year=2026))
    other = evaluator_membership(FrontDeskFactory())
    assert _flags(chequebook_actions(book, other)) == set()
    with pytest.raises(ValidationError, match="Seul un gestionnaire ou l'accueil détenteur"):
        chequebook_return_to_stock(chequebook=book, membership=other)
    with pytest.raises(ValidationError, match="Seul l'accueil du chéquier ou un gestionnaire"):
        chequebook_cancel(chequebook=book, reason="Vol", membership=other)
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme peut transférer"):
        chequebook_transfer(chequebook=book, to_front_desk=FrontDeskFactory(), membership=other)
    with pytest.raises(ValidationError, match="n'est pas dans le stock de votre accueil"):
        chequebook_hand_over(
            chequebook=book, beneficiary=cd12_beneficiary(other.organisation), membership=other
        )


def test_the_receipt_service_checks_who_asks():
    agent = evaluator_membership()
    book = desk_chequebook(agent.organisation, vintage=VintageFactory(year=2026))
    with pytest.raises(ValidationError, match="n'a pas été remis") as refused:
        chequebook_receipt_pdf(chequebook=book, membership=agent)
    assert refused.value.code == "not_handed_out"
    chequebook_hand_over(
        chequebook=book, beneficiary=cd12_beneficiary(agent.organisation), membership=agent
    )
    book.refresh_from_db()
    other = evaluator_membership(FrontDeskFactory())
    with pytest.raises(ValidationError, match="Seul l'accueil qui a remis ce chéquier") as refused:
        chequebook_receipt_pdf(chequebook=book, membership=other)
    assert refused.value.code == "not_allowed"
    assert not JournalEntry.objects.filter(
        action="chequebooks.chequebook.receipt_downloaded"
    ).exists()


def test_a_guessed_chequebook_of_another_desk_is_a_404_on_its_page_and_receipt(client, login):
    desk = FrontDeskFactory()
    theirs = evaluator_membership(desk)
    book = desk_chequebook(desk, vintage=VintageFactory(year=2026))
    chequebook_hand_over(chequebook=book, beneficiary=cd12_beneficiary(desk), membership=theirs)
    assert book.__class__.objects.get(pk=book.pk).state == ChequebookState.HANDED_OUT
    login(evaluator_membership(FrontDeskFactory()))
    assert client.get(reverse("chequebooks:chequebook_detail", args=[book.pk])).status_code == 404
    assert client.get(reverse("chequebooks:receipt_pdf", args=[book.pk])).status_code == 404
    login(theirs)
    assert client.get(reverse("chequebooks:chequebook_detail", args=[book.pk])).status_code == 200
    assert client.get(reverse("chequebooks:receipt_pdf", args=[book.pk])).status_code == 200


def test_a_visible_chequebook_not_handed_out_has_no_receipt(client, login):
    agent = evaluator_membership()
    book = desk_chequebook(agent.organisation, vintage=VintageFactory(year=2026))
    login(agent)
    page = client.get(reverse("chequebooks:chequebook_detail", args=[book.pk])).content.decode()
    assert "Attestation de remise" not in page and "Remettre" in page
    assert client.get(reverse("chequebooks:receipt_pdf", args=[book.pk])).status_code == 404
