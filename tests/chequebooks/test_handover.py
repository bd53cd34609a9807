"""Hand-over (remise) of a chequebook to a person: the rules of chequebook_hand_over."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from freezegun import freeze_time

from chequebooks.models import Chequebook, ChequebookState, ChequeState, HandoverException
from chequebooks.services import chequebook_hand_over, chequebook_handover_candidates
from passnum.audit.models import JournalEntry
from passnum.organisations.models import Role
from tests.factories import (
    EpciFactory,
    FrontDeskFactory,
    MembershipFactory,
    VintageFactory,
    cd12_beneficiary,
    cd12_desk_agent,
    desk_chequebook,
    epci_beneficiary,
    epci_desk_agent,
    epci_envelope,
    evaluator_membership,
    manager_membership,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_mid_year")]


@pytest.fixture
def _mid_year():
    with freeze_time("2026-06-15 10:00:00"):
        yield


def test_an_evaluator_hands_a_chequebook_of_their_stock_to_a_person():
    agent = cd12_desk_agent()
    chequebook = desk_chequebook(agent.organisation)
    person = cd12_beneficiary(agent.organisation)

    result = chequebook_hand_over(chequebook=chequebook, beneficiary=person, membership=agent)

    result.refresh_from_db()
    assert result.state == ChequebookState.HANDED_OUT
    assert result.beneficiary == person
    assert result.handed_out_by == agent.user
    assert result.handed_out_by_organisation == agent.organisation
    assert set(result.cheques.values_list("state", flat=True)) == {ChequeState.HANDED_OUT}
    assert JournalEntry.objects.filter(action="chequebooks.chequebook.handed_over").count() == 1
    person.refresh_from_db()
    assert person.last_activity_at == result.handed_out_at


def test_an_org_admin_of_the_front_desk_may_hand_over_too():
    desk = FrontDeskFactory()
    admin = MembershipFactory(organisation=desk, role=Role.ORG_ADMIN)
    chequebook = desk_chequebook(desk)
    chequebook_hand_over(
        chequebook=chequebook, beneficiary=cd12_beneficiary(desk), membership=admin
    )
    chequebook.refresh_from_db()
    assert chequebook.state == ChequebookState.HANDED_OUT


def test_handing_over_an_unconfirmed_chequebook_confirms_its_receipt():
    agent = cd12_desk_agent()
    chequebook = desk_chequebook(agent.organisation, received=False)
    chequebook_hand_over(
        chequebook=chequebook, beneficiary=cd12_beneficiary(agent.organisation), membership=agent
    )
    chequebook.refresh_from_db()
    assert chequebook.received_at is not None
    assert chequebook.movements.filter(kind="receipt").count() == 1


def test_a_manager_cannot_hand_over():
    agent = cd12_desk_agent()
    chequebook = desk_chequebook(agent.organisation)
    with pytest.raises(ValidationError, match="agent d'un accueil"):
        chequebook_hand_over(
            chequebook=chequebook,
            beneficiary=cd12_beneficiary(agent.organisation),
            membership=manager_membership(),
        )


def test_a_front_desk_cannot_hand_over_another_desks_chequebook():
    agent = cd12_desk_agent()
    other = FrontDeskFactory()
    chequebook = desk_chequebook(other)
    with pytest.raises(ValidationError, match="pas dans le stock de votre accueil"):
        chequebook_hand_over(
            chequebook=chequebook,
            beneficiary=cd12_beneficiary(agent.organisation),
            membership=agent,
        )
    chequebook.refresh_from_db()
    assert chequebook.state == ChequebookState.AT_FRONT_DESK


def test_a_chequebook_still_in_the_programme_stock_cannot_be_handed_over():
    agent = cd12_desk_agent()
    chequebook = desk_chequebook(agent.organisation)
    Chequebook.objects.filter(pk=chequebook.pk).update(state=ChequebookState.IN_STOCK, holder=None)
    with pytest.raises(ValidationError, match="pas dans le stock"):
        chequebook_hand_over(
            chequebook=chequebook,
            beneficiary=cd12_beneficiary(agent.organisation),
            membership=agent,
        )


def test_the_envelope_must_be_the_front_desks_side():
    agent = cd12_desk_agent()
    chequebook = desk_chequebook(agent.organisation, envelope=epci_envelope())
    with pytest.raises(ValidationError, match="n'est pas celle de votre accueil"):
        chequebook_hand_over(
            chequebook=chequebook,
            beneficiary=cd12_beneficiary(agent.organisation),
            membership=agent,
        )


def test_an_epci_desk_hands_out_only_its_own_epcis_envelope():
    agent = epci_desk_agent()
    other_epci_book = desk_chequebook(agent.organisation, envelope=epci_envelope(EpciFactory()))
    own_book = desk_chequebook(agent.organisation)
    person = epci_beneficiary(agent.organisation)
    with pytest.raises(ValidationError, match="n'est pas celle de votre accueil"):
        chequebook_hand_over(chequebook=other_epci_book, beneficiary=person, membership=agent)
    chequebook_hand_over(chequebook=own_book, beneficiary=person, membership=agent)
    own_book.refresh_from_db()
    assert own_book.state == ChequebookState.HANDED_OUT


def test_the_persons_target_public_must_be_of_the_desks_side():
    agent = cd12_desk_agent()
    chequebook = desk_chequebook(agent.organisation)
    with pytest.raises(ValidationError, match="public cible"):
        chequebook_hand_over(
            chequebook=chequebook,
            beneficiary=epci_beneficiary(agent.organisation),
            membership=agent,
        )


def test_a_frozen_vintage_cannot_be_handed_out():
    agent = cd12_desk_agent()
    vintage = VintageFactory(year=2026)
    vintage.handover_frozen = True
    vintage.save()
    chequebook = desk_chequebook(agent.organisation, vintage=vintage)
    with pytest.raises(ValidationError, match="gelées"):
        chequebook_hand_over(
            chequebook=chequebook,
            beneficiary=cd12_beneficiary(agent.organisation),
            membership=agent,
        )


def test_an_expired_vintage_cannot_be_handed_out():
    agent = cd12_desk_agent()
    old = VintageFactory(year=2024)
    chequebook = desk_chequebook(agent.organisation, vintage=old)
    with pytest.raises(ValidationError, match="expiré"):
        chequebook_hand_over(
            chequebook=chequebook,
            beneficiary=cd12_beneficiary(agent.organisation),
            membership=agent,
        )


def test_a_future_vintage_cannot_be_handed_out_yet():
    agent = cd12_desk_agent()
    chequebook = desk_chequebook(agent.organisation, vintage=VintageFactory(year=2027))
    with pytest.raises(ValidationError, match="pas encore valable"):
        chequebook_hand_over(
            chequebook=chequebook,
            beneficiary=cd12_beneficiary(agent.organisation),
            membership=agent,
        )


def test_one_chequebook_per_person_and_vintage():
    agent = cd12_desk_agent()
    person = cd12_beneficiary(agent.organisation)
    first, second = desk_chequebook(agent.organisation), desk_chequebook(agent.organisation)
    chequebook_hand_over(chequebook=first, beneficiary=person, membership=agent)
    with pytest.raises(ValidationError, match="déjà un chéquier du millésime"):
        chequebook_hand_over(chequebook=second, beneficiary=person, membership=agent)
    second.refresh_from_db()
    assert second.state == ChequebookState.AT_FRONT_DESK


def test_the_same_person_registered_by_two_desks_gets_one_chequebook_per_vintage():
    first_agent, second_agent = cd12_desk_agent(), cd12_desk_agent()
    here = cd12_beneficiary(first_agent.organisation)
    there = cd12_beneficiary(second_agent.organisation)
    here.identity_key = there.identity_key = "durand|emile|1960-05-17"
    here.save(), there.save()
    chequebook_hand_over(
        chequebook=desk_chequebook(first_agent.organisation),
        beneficiary=here,
        membership=first_agent,
    )
    second = desk_chequebook(second_agent.organisation)
    with pytest.raises(ValidationError, match="remis par un autre accueil"):
        chequebook_hand_over(chequebook=second, beneficiary=there, membership=second_agent)
    second.refresh_from_db()
    assert second.state == ChequebookState.AT_FRONT_DESK


def test_another_vintage_is_a_separate_allowance():
    agent = cd12_desk_agent()
    person = cd12_beneficiary(agent.organisation)
    with freeze_time("2026-01-15"):
        # In January 2026 vintage 2025 is still valid, frozen since 15 December unless a manager
        # lifted the freeze: here one did.
        previous = desk_chequebook(
            agent.organisation, vintage=VintageFactory(year=2025, freeze_lifted=True)
        )
        current = desk_chequebook(agent.organisation, vintage=VintageFactory(year=2026))
        chequebook_hand_over(chequebook=previous, beneficiary=person, membership=agent)
        chequebook_hand_over(chequebook=current, beneficiary=person, membership=agent)
    assert person.chequebooks.count() == 2


def test_a_managers_exception_allows_one_more_with_the_next_rank():
    agent = cd12_desk_agent()
    manager = manager_membership()
    person = cd12_beneficiary(agent.organisation)
    vintage = VintageFactory()
    books = [desk_chequebook(agent.organisation, vintage=vintage) for _ in range(3)]
    chequebook_hand_over(chequebook=books[0], beneficiary=person, membership=agent)
    exception = HandoverException.objects.create(
        beneficiary=person, vintage=vintage, reason="Perte de logement", granted_by=manager.user
    )
    second = chequebook_hand_over(chequebook=books[1], beneficiary=person, membership=agent)
    assert second.holding_rank == 1
    exception.refresh_from_db()
    assert exception.used_by == second
    # The exception is used up: a third one is refused.
    with pytest.raises(ValidationError, match="déjà un chéquier"):
        chequebook_hand_over(chequebook=books[2], beneficiary=person, membership=agent)


def test_the_database_refuses_two_chequebooks_of_the_same_rank():
    from django.db import IntegrityError, transaction

    agent = cd12_desk_agent()
    person = cd12_beneficiary(agent.organisation)
    vintage = VintageFactory()
    first = desk_chequebook(agent.organisation, vintage=vintage)
    second = desk_chequebook(agent.organisation, vintage=vintage)
    chequebook_hand_over(chequebook=first, beneficiary=person, membership=agent)
    with pytest.raises(IntegrityError), transaction.atomic():
        Chequebook.objects.filter(pk=second.pk).update(
            state=ChequebookState.HANDED_OUT,
            beneficiary=person,
            handed_out_at=datetime.datetime(2026, 6, 15, tzinfo=datetime.UTC),
        )


def test_handover_candidates_are_the_desks_distributable_stock():
    agent = cd12_desk_agent()
    desk = agent.organisation
    good = desk_chequebook(desk)
    desk_chequebook(FrontDeskFactory())  # another desk's
    desk_chequebook(desk, envelope=epci_envelope())  # wrong envelope
    desk_chequebook(desk, vintage=VintageFactory(year=2024))  # expired vintage
    frozen = VintageFactory(year=2026)
    assert good.vintage == frozen
    handed = desk_chequebook(desk)
    chequebook_hand_over(chequebook=handed, beneficiary=cd12_beneficiary(desk), membership=agent)

    assert list(chequebook_handover_candidates(membership=agent)) == [good]
    assert not chequebook_handover_candidates(membership=manager_membership()).exists()
    frozen.handover_frozen = True
    frozen.save()
    assert not chequebook_handover_candidates(membership=agent).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_handing_out_the_same_chequebook_at_once_exactly_one_succeeds():
    # Two agents of the one desk that holds it: a chequebook is held by a single desk, so an
    # agent of another desk is refused without any race ("pas dans le stock de votre
    # accueil"); the race the lock must settle is between two counters of the holding desk.
    desk = FrontDeskFactory()
    agents = [evaluator_membership(desk), evaluator_membership(desk)]
    chequebook = desk_chequebook(desk)
    people = [cd12_beneficiary(desk), cd12_beneficiary(desk)]
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(agent, person):
        try:
            barrier.wait()
            chequebook_hand_over(chequebook=chequebook, beneficiary=person, membership=agent)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    pairs = zip(agents, people, strict=True)
    threads = [threading.Thread(target=attempt, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("ok") == 1, outcomes
    assert any("déjà été remis" in o for o in outcomes)
    chequebook.refresh_from_db()
    assert chequebook.beneficiary in people
    assert JournalEntry.objects.filter(action="chequebooks.chequebook.handed_over").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_handing_a_chequebook_to_the_same_person_at_once_exactly_one_succeeds():
    desk = FrontDeskFactory()
    agents = [evaluator_membership(desk), evaluator_membership(desk)]
    books = [desk_chequebook(desk), desk_chequebook(desk)]
    person = cd12_beneficiary(desk)
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(agent, book):
        try:
            barrier.wait()
            chequebook_hand_over(chequebook=book, beneficiary=person, membership=agent)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    pairs = zip(agents, books, strict=True)
    threads = [threading.Thread(target=attempt, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("ok") == 1, outcomes
    assert person.chequebooks.count() == 1
