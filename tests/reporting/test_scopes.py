"""Who sees which figures (passnum.organisations.roles): a programme manager the whole programme,
an EPCI coordinator its EPCI, a coordinator whose structure has no EPCI nothing, an inactive
membership nothing it could ask for."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from passnum.organisations.models import Role
from reporting.models import Report
from reporting.selectors import (
    NO_EPCI,
    Filters,
    dashboard_data,
    reports_visible_to,
    scope_epci_id,
)
from reporting.services import export_request, front_desk_remind, report_request
from reporting.summaries import summaries_refresh
from tests.factories import FrontDeskFactory, MembershipFactory, evaluator_membership

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def coordinator_without_epci(small):
    """A coordinator's role on a structure with no EPCI (an EPCI structure must have one; here
    a CD12 front desk, like desk1)."""
    organisation = FrontDeskFactory(name="Structure sans EPCI")
    assert organisation.epci_id is None
    return MembershipFactory(organisation=organisation, role=Role.EPCI_COORDINATOR)


def test_each_role_has_its_scope(small, coordinator_without_epci):
    assert scope_epci_id(small.manager) is None
    assert scope_epci_id(small.coordinator) == small.epci_a.pk
    assert scope_epci_id(coordinator_without_epci) == NO_EPCI
    assert scope_epci_id(evaluator_membership(organisation=small.desk1)) == NO_EPCI


def test_a_coordinator_without_an_epci_sees_no_figure(small, coordinator_without_epci):
    """Not the CD12 side's (``epci_id=None``): nothing."""
    summaries_refresh(as_of=small.today)
    data = dashboard_data(Filters(scope_epci_id=scope_epci_id(coordinator_without_epci)))
    assert data["funnel"]["bought"] == 0
    assert data["referrals_overdue"] == 0
    assert data["by_front_desk"] == [] and data["by_mediator"] == []


def test_a_coordinator_without_an_epci_sees_no_report_and_may_ask_none(
    small, coordinator_without_epci
):
    Report.objects.create(
        period_start=D(2026, 1, 1), period_end=D(2026, 1, 31), epci=None,
        organisation=small.manager.organisation, created_by=small.manager.user,
    )  # fmt: skip
    assert list(reports_visible_to(coordinator_without_epci)) == []
    assert reports_visible_to(small.manager).count() == 1
    assert reports_visible_to(small.coordinator).count() == 0
    with pytest.raises(ValidationError, match="rattachée à aucune intercommunalité"):
        report_request(
            membership=coordinator_without_epci,
            period_start=D(2026, 1, 1),
            period_end=D(2026, 1, 31),
        )


def test_a_coordinator_without_an_epci_may_remind_no_desk(small, coordinator_without_epci):
    with pytest.raises(ValidationError, match="pas dans votre intercommunalité"):
        front_desk_remind(
            organisation=small.desk1, membership=coordinator_without_epci, topic="stock"
        )


def test_an_inactive_membership_may_ask_nothing(small):
    small.coordinator.is_active = False
    small.coordinator.deactivated_at = timezone.now()
    small.coordinator.save()
    with pytest.raises(ValidationError, match="Seuls les gestionnaires du programme produisent"):
        report_request(
            membership=small.coordinator, period_start=D(2026, 1, 1), period_end=D(2026, 1, 31)
        )
    with pytest.raises(ValidationError, match="réservé aux gestionnaires du programme"):
        export_request(membership=small.coordinator, kind="chequebooks", format="csv", params={})
    assert list(reports_visible_to(small.coordinator)) == []


def test_the_radar_offers_transfers_to_managers_only(small, login):
    summaries_refresh(as_of=small.today)
    manager_page = login(small.manager).get(reverse("reporting:radar_stock"))
    coordinator_page = login(small.coordinator).get(reverse("reporting:radar_stock"))
    assert coordinator_page.context["transfer_links"] is False
    assert manager_page.context["transfer_links"] is True
