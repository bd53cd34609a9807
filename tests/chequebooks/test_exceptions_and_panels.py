import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chequebooks.models import HandoverException, PrintRun
from chequebooks.services import handover_exception_grant
from passnum.audit.models import JournalEntry
from tests.factories import (
    FrontDeskFactory,
    VintageFactory,
    cd12_beneficiary,
    cd12_envelope,
    desk_chequebook,
    evaluator_membership,
    manager_membership,
)

pytestmark = pytest.mark.django_db


def test_only_a_manager_grants_an_exception_and_with_a_written_reason():
    desk = FrontDeskFactory()
    person, vintage = cd12_beneficiary(desk), VintageFactory()
    with pytest.raises(ValidationError, match="gestionnaire"):
        handover_exception_grant(
            beneficiary=person,
            vintage=vintage,
            reason="Perte de logement",
            membership=evaluator_membership(desk),
        )
    with pytest.raises(ValidationError, match="motif"):
        handover_exception_grant(
            beneficiary=person, vintage=vintage, reason=" ", membership=manager_membership()
        )
    exception = handover_exception_grant(
        beneficiary=person,
        vintage=vintage,
        reason="Perte de logement",
        membership=manager_membership(),
    )
    assert exception.used_by is None
    entry = JournalEntry.objects.get(action="chequebooks.exception.granted")
    assert person.last_name not in entry.target_repr
    assert HandoverException.objects.count() == 1


def test_the_front_desk_home_says_what_to_confirm(client, login):
    agent = evaluator_membership()
    desk_chequebook(agent.organisation, received=False)
    desk_chequebook(agent.organisation)
    login(agent)
    page = client.get(reverse("home")).content.decode()
    assert "reçu à confirmer" in page
    assert reverse("chequebooks:desk_stock") in page


def test_the_manager_home_shows_print_runs_in_progress(client, login):
    manager = manager_membership()
    run = PrintRun.objects.create(
        vintage=VintageFactory(),
        envelope=cd12_envelope(),
        chequebook_count=5,
        status=PrintRun.Status.RUNNING,
        progress=60,
        created_by=manager.user,
    )
    login(manager)
    page = client.get(reverse("home")).content.decode()
    assert reverse("chequebooks:print_run_detail", args=[run.pk]) in page
    assert "60 %" in page


def test_the_epci_coordinator_home_shows_its_envelope(client, login):
    from passnum.organisations.models import Role
    from tests.factories import EpciOrganisationFactory, MembershipFactory, epci_envelope

    org = EpciOrganisationFactory()
    envelope = epci_envelope(org.epci)
    login(MembershipFactory(organisation=org, role=Role.EPCI_COORDINATOR))
    page = client.get(reverse("home")).content.decode()
    assert str(envelope) in page and "Enveloppe CD12" not in page
