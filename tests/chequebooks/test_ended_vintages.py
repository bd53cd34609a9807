"""An ended vintage (after 31 January N+1): nothing of it moves out, it leaves the stock
figures; the freeze comes with the date (midnight, Europe/Paris) and is lifted only once it
came; vintage figures are scoped to who asks."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

from chequebooks import selectors
from chequebooks.models import Cheque, Chequebook, ChequebookState, ChequeState
from chequebooks.services import (
    chequebook_hand_over,
    chequebook_handover_candidates,
    chequebook_return_to_stock,
    chequebook_transfer,
    chequebooks_allocate,
    chequebooks_receipt_confirm,
    vintage_end_run,
    vintage_freeze_lift,
)
from passnum.organisations.models import Role
from passnum.programme.models import Vintage
from tests.factories import (
    ChequebookFactory,
    EpciFrontDeskFactory,
    EpciOrganisationFactory,
    FrontDeskFactory,
    MembershipFactory,
    VintageFactory,
    cd12_beneficiary,
    cd12_envelope,
    desk_chequebook,
    epci_envelope,
    evaluator_membership,
    manager_membership,
)

pytestmark = pytest.mark.django_db

#: 10 February 2027: vintage 2026 ended on 31 January, vintage 2027 runs.
AFTER_2026 = "2027-02-10 10:00"


@pytest.fixture
def ended():
    with freeze_time("2026-06-15 10:00"):
        old = VintageFactory(year=2026)
        desk = FrontDeskFactory()
        agent = evaluator_membership(desk)
        manager = manager_membership()
        envelope = cd12_envelope()
        in_stock = ChequebookFactory(vintage=old, envelope=envelope)
        at_desk = [desk_chequebook(desk, vintage=old, envelope=envelope) for _ in range(2)]
        unconfirmed = desk_chequebook(desk, vintage=old, envelope=envelope, received=False)
    with freeze_time(AFTER_2026):
        current = VintageFactory(year=2027)
        current_book = desk_chequebook(desk, vintage=current, envelope=envelope)
        vintage_end_run()
    return {
        "old": old,
        "current": current,
        "desk": desk,
        "agent": agent,
        "manager": manager,
        "envelope": envelope,
        "in_stock": in_stock,
        "at_desk": at_desk,
        "unconfirmed": unconfirmed,
        "current_book": current_book,
    }


def test_an_ended_vintage_is_not_allocated(ended):
    assert Cheque.objects.filter(chequebook=ended["in_stock"], state=ChequeState.EXPIRED).count()
    with freeze_time(AFTER_2026), pytest.raises(ValidationError, match="2026 est terminé"):
        chequebooks_allocate(
            envelope=ended["envelope"],
            vintage=ended["old"],
            front_desk=FrontDeskFactory(),
            membership=ended["manager"],
            count=1,
        )
    ended["in_stock"].refresh_from_db()
    assert ended["in_stock"].state == ChequebookState.IN_STOCK and not ended["in_stock"].holder


def test_an_ended_vintage_is_not_transferred_but_goes_back_to_stock(ended):
    book = ended["at_desk"][0]
    with freeze_time(AFTER_2026):
        with pytest.raises(ValidationError, match="ne se transfère plus"):
            chequebook_transfer(
                chequebook=book, to_front_desk=FrontDeskFactory(), membership=ended["manager"]
            )
        book.refresh_from_db()
        assert book.holder == ended["desk"]
        # Giving the leftovers back stays possible; the expired cheques stay expired.
        chequebook_return_to_stock(chequebook=book, membership=ended["agent"])
        # Receipt records where the paper is: still allowed.
        assert chequebooks_receipt_confirm(
            chequebooks=[ended["unconfirmed"]], membership=ended["agent"]
        )
    book.refresh_from_db()
    assert book.state == ChequebookState.IN_STOCK
    assert set(book.cheques.values_list("state", flat=True)) == {ChequeState.EXPIRED}


def test_the_stock_figures_leave_an_ended_vintage_out(ended):
    with freeze_time(AFTER_2026):
        (row,) = selectors.stock_by_envelope(ended["manager"])
        assert (row["in_stock"], row["at_desks"], row["total"]) == (0, 1, 1)
        (old_row,) = selectors.stock_by_envelope(ended["manager"], vintage=ended["old"])
        assert (old_row["in_stock"], old_row["at_desks"]) == (1, 3)
        desk_row = next(
            r
            for r in selectors.stock_by_organisation(ended["manager"])
            if r["pk"] == ended["desk"].pk
        )
        assert (desk_row["held"], desk_row["unconfirmed"]) == (1, 0)


def test_the_desk_sees_its_ended_stock_apart_to_give_back(ended, client, login):
    with freeze_time(AFTER_2026):
        login(ended["agent"])
        page = client.get(reverse("chequebooks:desk_stock")).content.decode()
        home = client.get(reverse("home")).content.decode()
        detail = client.get(
            reverse("chequebooks:chequebook_detail", args=[ended["at_desk"][0].pk])
        ).content.decode()
    in_hand, found, apart = page.partition("Chéquiers d'un millésime terminé, à rendre")
    assert found
    assert str(ended["current_book"].number) in in_hand
    for book in ended["at_desk"]:
        assert str(book.number) not in in_hand and str(book.number) in apart
    assert "3</strong> chéquiers d'un millésime terminé" in home
    # The ended vintage's unconfirmed chequebook is still to confirm, as the desk page asks.
    awaiting = selectors.chequebooks_awaiting_receipt(ended["desk"]).count()
    assert awaiting >= 1 and ended["unconfirmed"].number in {
        b.number for b in selectors.chequebooks_awaiting_receipt(ended["desk"])
    }
    assert f"<strong>{awaiting}</strong> chéquier{'s' if awaiting > 1 else ''} reçu" in home
    assert "<strong>1</strong> chéquier en main" in home
    assert "millésime terminé" in detail and "Transférer" not in detail


def test_a_manager_cannot_lift_a_freeze_that_has_not_come(client, login):
    manager = manager_membership()
    with freeze_time("2026-06-01 10:00"):
        vintage = VintageFactory(year=2026)
        with pytest.raises(ValidationError, match="ne sont pas gelées"):
            vintage_freeze_lift(vintage=vintage, membership=manager)
        login(manager)
        response = client.post(reverse("chequebooks:freeze_lift", args=[2026]), follow=True)
        assert "ne sont pas gelées" in response.content.decode()
    vintage.refresh_from_db()
    assert not vintage.freeze_lifted
    with freeze_time("2026-12-16 10:00"):
        assert vintage_end_run()["frozen"] == [2026]
        # Frozen now: the lift is accepted.
        vintage_freeze_lift(vintage=vintage, membership=manager)
    assert Vintage.objects.get(pk=vintage.pk).freeze_lifted


def test_the_freeze_starts_at_midnight_in_paris_without_waiting_for_the_task():
    """23:30 UTC on 14 December is 00:30 on 15 December in Paris: hand-over is frozen, though
    the daily task has not run yet."""
    with freeze_time("2026-06-15 10:00"):
        agent = evaluator_membership()
        vintage = VintageFactory(year=2026)
        first, second = (desk_chequebook(agent.organisation, vintage=vintage) for _ in range(2))
        person, other = cd12_beneficiary(agent.organisation), cd12_beneficiary(agent.organisation)
    with freeze_time("2026-12-14 22:30"):  # 23:30 in Paris, 14 December
        chequebook_hand_over(chequebook=first, beneficiary=person, membership=agent)
    with freeze_time("2026-12-14 23:30"):  # 00:30 in Paris, 15 December
        assert not Vintage.objects.get(pk=vintage.pk).handover_frozen  # the task did not run
        assert not chequebook_handover_candidates(membership=agent).exists()
        with pytest.raises(ValidationError, match="gelées"):
            chequebook_hand_over(chequebook=second, beneficiary=other, membership=agent)


def test_cheques_expire_from_midnight_in_paris_on_1_february():
    with freeze_time("2026-06-15 10:00"):
        ChequebookFactory(vintage=VintageFactory(year=2026), envelope=cd12_envelope())
    with freeze_time("2027-01-31 22:30"):  # 23:30 in Paris, still 31 January
        assert vintage_end_run()["expired"] == {}
    with freeze_time("2027-01-31 23:30"):  # 00:30 in Paris, 1 February
        assert vintage_end_run()["expired"] == {2026: 10}


def test_vintage_figures_of_a_coordinator_cover_its_envelope_only(client, login):
    with freeze_time("2026-06-15 10:00"):
        vintage = VintageFactory(year=2026)
        org = EpciOrganisationFactory()
        coordinator = MembershipFactory(organisation=org, role=Role.EPCI_COORDINATOR)
        ChequebookFactory(vintage=vintage, envelope=epci_envelope(org.epci))
        ChequebookFactory(vintage=vintage, envelope=cd12_envelope(), cheque_count=5)
        ChequebookFactory(vintage=vintage, envelope=epci_envelope())  # another EPCI
        assert selectors.vintage_reconciliation(vintage, coordinator)["bought"] == 10
        assert selectors.vintage_reconciliation(vintage, manager_membership())["bought"] == 25
        assert selectors.vintage_reconciliation(vintage, evaluator_membership())["bought"] == 0
        login(coordinator)
        listing = client.get(reverse("chequebooks:vintage_list")).content.decode()
        page = client.get(
            reverse("chequebooks:vintage_reconciliation", args=[2026])
        ).content.decode()
    assert f"enveloppe de {org.epci}" in listing and f"enveloppe de {org.epci}" in page
    assert '<td class="num">10</td>' in listing and '<td class="num">25</td>' not in listing
    assert "Lever le gel" not in page


def test_a_coordinator_whose_structure_has_no_epci_is_told_why_it_sees_no_figures(client, login):
    with freeze_time("2026-06-15 10:00"):
        vintage = VintageFactory(year=2026)
        # A coordinator's role on a structure with no EPCI (here a CD12 front desk).
        org = FrontDeskFactory()
        assert org.epci_id is None
        coordinator = MembershipFactory(organisation=org, role=Role.EPCI_COORDINATOR)
        ChequebookFactory(vintage=vintage, envelope=cd12_envelope())  # CD12's: no EPCI either
        assert selectors.vintage_reconciliation(vintage, coordinator)["bought"] == 0
        assert not selectors.envelopes_visible_to(coordinator).exists()
        login(coordinator)
        listing = client.get(reverse("chequebooks:vintage_list")).content.decode()
    assert "rattachée à aucune intercommunalité" in listing


def test_a_coordinator_whose_structure_has_no_epci_sees_no_front_desk_stock():
    """``coordinator_epci_id`` is None: no desk, not the desks without an EPCI (CD12's)."""
    with freeze_time("2026-06-15 10:00"):
        vintage = VintageFactory(year=2026)
        org = FrontDeskFactory()
        coordinator = MembershipFactory(organisation=org, role=Role.EPCI_COORDINATOR)
        cd12_desk = FrontDeskFactory()
        desk_chequebook(cd12_desk, vintage=vintage)
        epci_desk = EpciFrontDeskFactory()
        desk_chequebook(epci_desk, vintage=vintage)
        assert selectors.stock_by_organisation(coordinator) == []
        assert not selectors.chequebooks_visible_to(coordinator).exists()
        # A coordinator with an EPCI sees that EPCI's desks only.
        with_epci = MembershipFactory(
            organisation=EpciOrganisationFactory(epci=epci_desk.epci), role=Role.EPCI_COORDINATOR
        )
        rows = selectors.stock_by_organisation(with_epci)
        assert [(r["pk"], r["held"]) for r in rows] == [(epci_desk.pk, 1)]


def test_the_reconciliation_counts_started_chequebooks():
    with freeze_time("2026-06-15 10:00"):
        vintage = VintageFactory(year=2026)
        envelope = cd12_envelope()
        started = desk_chequebook(FrontDeskFactory(), vintage=vintage, envelope=envelope)
        ChequebookFactory(vintage=vintage, envelope=envelope)
    Chequebook.objects.filter(pk=started.pk).update(
        state=ChequebookState.HANDED_OUT,
        beneficiary=cd12_beneficiary(started.holder),
        handed_out_at=started.allocated_at,
    )
    Cheque.objects.filter(chequebook=started, position=1).update(state=ChequeState.REDEEMED)
    figures = selectors.vintage_reconciliation(vintage)
    assert figures["chequebooks"] == 2
    assert figures["chequebooks_handed_out"] == 1
    assert figures["chequebooks_started"] == 1
    assert figures["chequebooks_not_handed_out"] == 1
