"""The role predicates (passnum.organisations.roles): one test per predicate, each with an
active and an inactive membership, the wrong kind or role, another organisation and None."""

import pytest
from django.core.exceptions import ValidationError

from passnum.organisations import roles
from passnum.organisations.models import Membership, Organisation, OrganisationKind, Role

_ids = iter(range(1, 10_000))


def _org(kind, *, epci_id=None):
    return Organisation(pk=next(_ids), kind=kind, name=kind, epci_id=epci_id)


def _member(kind, role, *, active=True, organisation=None, epci_id=None):
    organisation = organisation or _org(kind, epci_id=epci_id)
    return Membership(organisation=organisation, role=role, is_active=active)


def test_a_programme_manager_is_active_with_the_role_in_the_owner():
    assert roles.is_programme_manager(_member(OrganisationKind.OWNER, Role.PROGRAMME_MANAGER))
    assert not roles.is_programme_manager(
        _member(OrganisationKind.OWNER, Role.PROGRAMME_MANAGER, active=False)
    )
    # The role in another kind of organisation (never created: ROLES_BY_KIND) is not enough.
    assert not roles.is_programme_manager(_member(OrganisationKind.EPCI, Role.PROGRAMME_MANAGER))
    assert not roles.is_programme_manager(_member(OrganisationKind.EPCI, Role.EPCI_COORDINATOR))
    assert not roles.is_programme_manager(None)


def test_an_epci_coordinator_is_active_and_covers_its_organisations_epci():
    coordinator = _member(OrganisationKind.EPCI, Role.EPCI_COORDINATOR, epci_id=7)
    assert roles.is_epci_coordinator(coordinator)
    assert roles.coordinator_epci_id(coordinator) == 7
    inactive = _member(OrganisationKind.EPCI, Role.EPCI_COORDINATOR, epci_id=7, active=False)
    assert not roles.is_epci_coordinator(inactive)
    assert roles.coordinator_epci_id(inactive) is None
    manager = _member(OrganisationKind.OWNER, Role.PROGRAMME_MANAGER)
    assert not roles.is_epci_coordinator(manager)
    assert roles.coordinator_epci_id(manager) is None
    assert not roles.is_epci_coordinator(None)
    assert roles.coordinator_epci_id(None) is None


def test_a_coordinator_without_an_epci_covers_none():
    coordinator = _member(OrganisationKind.EPCI, Role.EPCI_COORDINATOR, epci_id=None)
    assert roles.is_epci_coordinator(coordinator)
    assert roles.coordinator_epci_id(coordinator) is None


def test_managers_and_coordinators_are_coordinating_while_active():
    assert roles.is_coordinating(_member(OrganisationKind.OWNER, Role.PROGRAMME_MANAGER))
    assert roles.is_coordinating(_member(OrganisationKind.EPCI, Role.EPCI_COORDINATOR))
    assert not roles.is_coordinating(
        _member(OrganisationKind.EPCI, Role.EPCI_COORDINATOR, active=False)
    )
    assert not roles.is_coordinating(_member(OrganisationKind.FRONT_DESK, Role.ORG_ADMIN))
    assert not roles.is_coordinating(None)


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.ORG_ADMIN])
def test_a_front_desk_agent_is_an_active_evaluator_or_admin_of_a_front_desk(role):
    agent = _member(OrganisationKind.FRONT_DESK, role)
    assert roles.is_front_desk_agent(agent)
    assert roles.is_front_desk_agent(agent, agent.organisation)
    assert not roles.is_front_desk_agent(agent, _org(OrganisationKind.FRONT_DESK))
    assert not roles.is_front_desk_agent(_member(OrganisationKind.FRONT_DESK, role, active=False))
    assert not roles.is_front_desk_agent(_member(OrganisationKind.MEDIATOR, role))
    assert not roles.is_front_desk_agent(None)


def test_a_mediator_member_is_an_active_mediator_or_admin_of_a_mediator():
    mediator = _member(OrganisationKind.MEDIATOR, Role.MEDIATOR)
    admin = _member(OrganisationKind.MEDIATOR, Role.ORG_ADMIN)
    assert roles.is_mediator_member(mediator)
    assert roles.is_mediator_member(mediator, mediator.organisation)
    assert roles.is_mediator_member(admin, admin.organisation, admin=True)
    # Only the admin acts as the organisation's admin.
    assert not roles.is_mediator_member(mediator, mediator.organisation, admin=True)
    assert not roles.is_mediator_member(mediator, _org(OrganisationKind.MEDIATOR))
    assert not roles.is_mediator_member(
        _member(OrganisationKind.MEDIATOR, Role.MEDIATOR, active=False)
    )
    assert not roles.is_mediator_member(_member(OrganisationKind.FRONT_DESK, Role.ORG_ADMIN))
    assert not roles.is_mediator_member(None)


def test_a_team_is_managed_by_a_manager_or_its_own_active_admin():
    desk = _org(OrganisationKind.FRONT_DESK)
    manager = _member(OrganisationKind.OWNER, Role.PROGRAMME_MANAGER)
    assert roles.may_manage_team(manager, desk)
    assert not roles.may_manage_team(
        _member(OrganisationKind.OWNER, Role.PROGRAMME_MANAGER, active=False), desk
    )
    admin = _member(OrganisationKind.FRONT_DESK, Role.ORG_ADMIN, organisation=desk)
    assert roles.may_manage_team(admin, desk)
    assert not roles.may_manage_team(admin, _org(OrganisationKind.FRONT_DESK))
    assert not roles.may_manage_team(
        _member(OrganisationKind.FRONT_DESK, Role.ORG_ADMIN, organisation=desk, active=False), desk
    )
    assert not roles.may_manage_team(
        _member(OrganisationKind.FRONT_DESK, Role.EVALUATOR, organisation=desk), desk
    )
    assert not roles.may_manage_team(None, desk)


def test_require_programme_manager_refuses_with_the_callers_message():
    roles.require_programme_manager(_member(OrganisationKind.OWNER, Role.PROGRAMME_MANAGER))
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme peut faire cela."):
        roles.require_programme_manager(None)
    with pytest.raises(ValidationError, match="Message propre à l'appelant.") as exc:
        roles.require_programme_manager(
            _member(OrganisationKind.OWNER, Role.PROGRAMME_MANAGER, active=False),
            "Message propre à l'appelant.",
        )
    assert exc.value.code == "not_programme_manager"


@pytest.mark.django_db
def test_the_programme_managers_queryset_is_the_predicate():
    """``programme_manager_memberships`` holds exactly the memberships ``is_programme_manager``
    accepts (active, the role, the owner's organisation)."""
    from django.utils import timezone

    from tests.factories import EpciOrganisationFactory, MembershipFactory, OwnerFactory

    owner = OwnerFactory()
    memberships = [
        MembershipFactory(organisation=owner, role=Role.PROGRAMME_MANAGER),
        MembershipFactory(
            organisation=owner,
            role=Role.PROGRAMME_MANAGER,
            is_active=False,
            deactivated_at=timezone.now(),
        ),
        MembershipFactory(organisation=EpciOrganisationFactory(), role=Role.EPCI_COORDINATOR),
    ]
    expected = {m.pk for m in memberships if roles.is_programme_manager(m)}
    assert expected == {memberships[0].pk}
    assert set(roles.programme_manager_memberships().values_list("pk", flat=True)) == expected


@pytest.mark.django_db
def test_the_menus_follow_the_role_predicates(client, login):
    """Templates ask ``can`` (the predicates), not role codes: a front desk agent gets the front
    desk's menu, a programme manager the programme's."""
    from tests.factories import evaluator_membership, manager_membership

    page = login(evaluator_membership()).get("/").content.decode()
    assert "Nouvelle personne" in page and "Organisations" not in page
    client.logout()
    page = login(manager_membership()).get("/").content.decode()
    assert "Organisations" in page and "Nouvelle personne" not in page
