"""Organisations: the managers' list, creation and edition, team management, the switcher and
scoping (a guessed id is a 404)."""

import pytest
from django.urls import reverse

from passnum.audit.models import JournalEntry
from passnum.organisations.middleware import SESSION_KEY
from passnum.organisations.models import (
    FrontDeskType,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from passnum.organisations.services import invitation_create
from passnum.territory.models import Side
from tests.factories import (
    EpciFactory,
    EpciFrontDeskFactory,
    EpciOrganisationFactory,
    FrontDeskFactory,
    MediatorOrganisationFactory,
    MembershipFactory,
    UserFactory,
    evaluator_membership,
    manager_membership,
    mediator_membership,
)

pytestmark = pytest.mark.django_db


def test_the_organisation_list_filters_by_kind_side_and_epci(client, login):
    login(manager_membership())
    epci = EpciFactory()
    cd12_desk = FrontDeskFactory(name="Accueil côté CD12")
    epci_desk = EpciFrontDeskFactory(name="Accueil côté EPCI", epci=epci)
    mediator = MediatorOrganisationFactory(name="Médiateur")
    url = reverse("organisations:list")

    def names(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {row.record.name for row in response.context["table"].paginated_rows}

    assert {cd12_desk.name, epci_desk.name, mediator.name} <= names()
    assert names(kind=OrganisationKind.MEDIATOR) == {mediator.name}
    assert names(kind=OrganisationKind.FRONT_DESK, side=Side.CD12) == {cd12_desk.name}
    assert names(epci=epci.pk) == {epci_desk.name}


def test_the_organisation_list_has_a_query_budget(client, login, django_assert_max_num_queries):
    login(manager_membership())
    for _ in range(30):
        MembershipFactory(organisation=EpciFrontDeskFactory())
    with django_assert_max_num_queries(12):
        response = client.get(reverse("organisations:list"))
    assert response.status_code == 200


def test_only_managers_see_the_organisation_list(client, login):
    login(mediator_membership(role=Role.ORG_ADMIN))
    assert client.get(reverse("organisations:list")).status_code == 404


def test_a_manager_creates_a_front_desk_of_an_epci(client, login):
    manager = manager_membership()
    login(manager)
    epci = EpciFactory()
    response = client.post(
        reverse("organisations:new"),
        {
            "kind": OrganisationKind.FRONT_DESK,
            "name": "France Services de test",
            "side": Side.EPCI,
            "epci": epci.pk,
            "front_desk_type": FrontDeskType.objects.get(label="SAVS / CCAS").pk,
        },
    )
    organisation = Organisation.objects.get(name="France Services de test")
    assert response.status_code == 302
    assert organisation.epci == epci and organisation.side == Side.EPCI
    entry = JournalEntry.objects.get(action="organisations.organisation.created")
    assert entry.actor == manager.user
    assert "France Services de test" in entry.sentence


@pytest.mark.parametrize(
    "data,field",
    [
        ({"kind": OrganisationKind.FRONT_DESK, "side": ""}, "side"),
        ({"kind": OrganisationKind.FRONT_DESK, "side": Side.EPCI}, "epci"),
        ({"kind": OrganisationKind.EPCI, "side": ""}, "epci"),
    ],
)
def test_creating_an_organisation_without_its_side_or_epci_is_refused_next_to_the_field(
    client, login, data, field
):
    login(manager_membership())
    response = client.post(reverse("organisations:new"), {"name": "Sans côté", **data})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Organisation.objects.filter(name="Sans côté").exists()


def test_a_manager_edits_an_organisation_and_the_change_is_journaled(client, login):
    login(manager_membership())
    desk = FrontDeskFactory(name="Ancien nom")
    response = client.post(
        reverse("organisations:edit", args=[desk.pk]),
        {"kind": desk.kind, "name": "Nouveau nom", "side": Side.CD12, "is_active": "on",
         "front_desk_type": FrontDeskType.objects.get(label="CAF").pk},
    )  # fmt: skip
    assert response.status_code == 302
    desk.refresh_from_db()
    assert desk.name == "Nouveau nom"
    entry = JournalEntry.objects.get(action="organisations.organisation.updated")
    assert "nom" in entry.sentence


def test_the_organisation_page_shows_members_invitations_and_history(client, login):
    manager = manager_membership()
    desk = FrontDeskFactory()
    member = evaluator_membership(organisation=desk)
    invitation_create(
        organisation=desk, email="attente@example.org", role=Role.EVALUATOR, by=manager
    )
    login(manager)
    page = client.get(reverse("organisations:detail", args=[desk.pk])).content.decode()
    assert member.user.email in page
    assert "attente@example.org" in page
    assert "a invité attente@example.org" in page


def test_an_org_admin_deactivates_a_membership_which_is_kept(client, login):
    admin = mediator_membership(role=Role.ORG_ADMIN)
    colleague = mediator_membership(organisation=admin.organisation, role=Role.MEDIATOR)
    login(admin)
    response = client.post(
        reverse("organisations:membership_deactivate", args=[admin.organisation.pk, colleague.pk])
    )
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active and colleague.deactivated_at is not None
    assert Membership.objects.filter(pk=colleague.pk).exists()
    assert JournalEntry.objects.filter(action="organisations.membership.deactivated").exists()


def test_a_person_cannot_deactivate_their_own_membership(client, login):
    admin = mediator_membership(role=Role.ORG_ADMIN)
    login(admin)
    client.post(
        reverse("organisations:membership_deactivate", args=[admin.organisation.pk, admin.pk])
    )
    admin.refresh_from_db()
    assert admin.is_active


def test_an_org_admin_cannot_deactivate_a_membership_of_another_organisation(client, login):
    admin = mediator_membership(role=Role.ORG_ADMIN)
    other = mediator_membership(role=Role.MEDIATOR)
    login(admin)
    own_url = reverse("organisations:membership_deactivate", args=[admin.organisation.pk, other.pk])
    other_url = reverse(
        "organisations:membership_deactivate", args=[other.organisation.pk, other.pk]
    )
    assert client.post(own_url).status_code == 404
    assert client.post(other_url).status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_a_deactivated_person_no_longer_acts_for_the_organisation(client, login):
    membership = evaluator_membership()
    login(membership)
    membership.is_active = False
    from django.utils import timezone

    membership.deactivated_at = timezone.now()
    membership.save()
    response = client.get(reverse("home"))
    assert response.wsgi_request.membership is None


# --- Scoping -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["organisations:detail", "organisations:invite"])
def test_an_admin_of_organisation_a_gets_404_on_organisation_b(client, login, name):
    a = mediator_membership(role=Role.ORG_ADMIN)
    b = MediatorOrganisationFactory()
    login(a)
    assert client.get(reverse(name, args=[a.organisation.pk])).status_code == 200
    assert client.get(reverse(name, args=[b.pk])).status_code == 404


def test_an_admin_cannot_edit_even_its_own_organisation(client, login):
    a = mediator_membership(role=Role.ORG_ADMIN)
    login(a)
    assert client.get(reverse("organisations:edit", args=[a.organisation.pk])).status_code == 404


def test_an_epci_coordinator_gets_404_on_management_pages(client, login):
    coordinator = MembershipFactory(
        organisation=EpciOrganisationFactory(), role=Role.EPCI_COORDINATOR
    )
    login(coordinator)
    for url in [
        reverse("organisations:list"),
        reverse("organisations:detail", args=[coordinator.organisation.pk]),
        reverse("programme:overview"),
        reverse("audit:search"),
    ]:
        assert client.get(url).status_code == 404, url


# --- Switcher ------------------------------------------------------------------------------------


def test_a_person_with_two_memberships_switches_organisation(client, login):
    user = UserFactory()
    first = evaluator_membership(user=user, organisation=FrontDeskFactory(name="A – accueil"))
    second = mediator_membership(user=user, organisation=MediatorOrganisationFactory(name="B"))
    login(first)
    assert client.get(reverse("home")).wsgi_request.organisation == first.organisation
    response = client.post(reverse("organisation_switch"), {"membership": second.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == second.pk
    after = client.get(reverse("home"))
    assert after.wsgi_request.organisation == second.organisation
    assert after.wsgi_request.role == Role.ORG_ADMIN


def test_the_switcher_posts_back_the_ids_it_shows_even_past_a_thousand(client, login):
    """Ids are printed as they are (no thousands separator), so the chosen option posts a
    number the switcher reads; a malformed value is a 404, never an error page."""
    import re

    user = UserFactory()
    first = evaluator_membership(user=user, pk=1499)
    second = mediator_membership(user=user, pk=1500)
    login(first)
    page = client.get(reverse("home")).content.decode()
    values = re.findall(r'<option value="([^"]+)"', page)
    assert values == ["1499", "1500"]
    response = client.post(reverse("organisation_switch"), {"membership": values[1]})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == second.pk
    for wrong in ["1\u00a0500", "abc", "", "²", "١٥٠٠"]:
        assert client.post(reverse("organisation_switch"), {"membership": wrong}).status_code == 404


def test_the_switcher_refuses_a_membership_of_another_person(client, login):
    mine = evaluator_membership()
    someone_else = mediator_membership()
    login(mine)
    response = client.post(reverse("organisation_switch"), {"membership": someone_else.pk})
    assert response.status_code == 404
    assert client.session[SESSION_KEY] == mine.pk


def test_the_switcher_refuses_a_deactivated_membership(client, login):
    user = UserFactory()
    active = evaluator_membership(user=user)
    from django.utils import timezone

    old = mediator_membership(user=user, is_active=False, deactivated_at=timezone.now())
    login(active)
    assert client.post(reverse("organisation_switch"), {"membership": old.pk}).status_code == 404


# --- Home panels ---------------------------------------------------------------------------------


def test_an_admins_home_panel_shows_its_team_and_pending_invitations():
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from passnum.organisations.home import panels

    admin = mediator_membership(role=Role.ORG_ADMIN)
    mediator_membership(organisation=admin.organisation, role=Role.MEDIATOR)
    invitation_create(
        organisation=admin.organisation, email="bientot@example.org", role=Role.MEDIATOR, by=admin
    )
    invitation_create(
        organisation=MediatorOrganisationFactory(),
        email="ailleurs@example.org",
        role=Role.MEDIATOR,
        by=manager_membership(),
    )
    [panel] = panels(SimpleNamespace(membership=admin))
    assert panel.context["active_members"] == 2
    html = render_to_string(panel.template, {"panel": panel.context})
    assert "bientot@example.org" in html and "ailleurs@example.org" not in html
    assert reverse("organisations:invite", args=[admin.organisation.pk]) in html


def test_an_evaluator_gets_no_foundation_panel():
    from types import SimpleNamespace

    from passnum.organisations.home import panels

    assert panels(SimpleNamespace(membership=evaluator_membership())) == []


def test_a_deactivated_organisation_is_kept_and_its_members_no_longer_act_for_it(client, login):
    manager = manager_membership()
    member = evaluator_membership()
    desk = member.organisation
    login(manager)
    client.post(
        reverse("organisations:edit", args=[desk.pk]),
        {"kind": desk.kind, "name": desk.name, "side": desk.side,
         "front_desk_type": FrontDeskType.objects.get(label="CAF").pk},
    )  # fmt: skip
    desk.refresh_from_db()
    assert not desk.is_active
    login(member)
    assert client.get(reverse("home")).wsgi_request.membership is None


def test_an_admins_team_link_leads_to_its_own_organisation(client, login):
    admin = mediator_membership(role=Role.ORG_ADMIN)
    login(admin)
    response = client.get(reverse("organisations:members"))
    assert response.url == reverse("organisations:detail", args=[admin.organisation.pk])


def test_a_second_programme_owner_cannot_be_created(client, login):
    login(manager_membership())
    response = client.post(
        reverse("organisations:new"), {"kind": OrganisationKind.OWNER, "name": "Autre CD"}
    )
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not Organisation.objects.filter(name="Autre CD").exists()


def test_an_admin_withdraws_a_pending_invitation_and_its_link_stops_working(client, login):
    admin = mediator_membership(role=Role.ORG_ADMIN)
    invitation, token = invitation_create(
        organisation=admin.organisation, email="retiree@example.org", role=Role.MEDIATOR, by=admin
    )
    login(admin)
    url = reverse("organisations:invitation_cancel", args=[admin.organisation.pk, invitation.pk])
    assert client.post(url).status_code == 302
    assert JournalEntry.objects.filter(action="organisations.invitation.cancelled").exists()
    client.logout()
    assert client.get(reverse("accounts:invitation_accept", args=[token])).status_code == 404


def test_an_admin_cannot_withdraw_another_organisations_invitation(client, login):
    admin = mediator_membership(role=Role.ORG_ADMIN)
    manager = manager_membership()
    other = MediatorOrganisationFactory()
    invitation, token = invitation_create(
        organisation=other, email="autre@example.org", role=Role.MEDIATOR, by=manager
    )
    login(admin)
    for org in (admin.organisation, other):
        url = reverse("organisations:invitation_cancel", args=[org.pk, invitation.pk])
        assert client.post(url).status_code == 404
    client.logout()
    assert client.get(reverse("accounts:invitation_accept", args=[token])).status_code == 200


def test_the_manageable_organisations_follow_may_manage_team():
    from django.utils import timezone

    from passnum.organisations.selectors import organisations_manageable_by

    desk, other = FrontDeskFactory(), FrontDeskFactory()
    admin = MembershipFactory(organisation=desk, role=Role.ORG_ADMIN)
    inactive_admin = MembershipFactory(
        organisation=desk, role=Role.ORG_ADMIN, is_active=False, deactivated_at=timezone.now()
    )
    assert set(organisations_manageable_by(manager_membership())) >= {desk, other}
    assert list(organisations_manageable_by(admin)) == [desk]
    assert not organisations_manageable_by(inactive_admin).exists()
    assert not organisations_manageable_by(evaluator_membership(desk)).exists()
    assert not organisations_manageable_by(None).exists()


def test_organisations_are_created_and_edited_by_active_managers_only():
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from passnum.organisations.services import organisation_create, organisation_update

    inactive = manager_membership(is_active=False, deactivated_at=timezone.now())
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme crée"):
        organisation_create(membership=inactive, kind=OrganisationKind.MEDIATOR, name="X")
    desk = FrontDeskFactory()
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme modifie"):
        organisation_update(
            organisation=desk, membership=MembershipFactory(organisation=desk), name="Y"
        )
