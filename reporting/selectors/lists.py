"""Lists of what reporting produced, and the structures a dashboard may be filtered on."""

from passnum.organisations.models import Organisation, OrganisationKind
from passnum.organisations.roles import (
    coordinator_epci_id,
    is_programme_manager,
    is_state_observer,
)

from ..models import ExportJob, Report
from .scope import scope_epci_id


def reports_visible_to(membership):
    """Rule: programme managers see every report; an EPCI coordinator those of its EPCI; a
    State observer those of the whole programme."""
    if is_programme_manager(membership):
        return Report.objects.all()
    if is_state_observer(membership):
        return Report.objects.filter(epci=None)
    epci_id = coordinator_epci_id(membership)
    if epci_id is None:  # not a coordinator, or one whose structure has no EPCI
        return Report.objects.none()
    return Report.objects.filter(epci_id=epci_id)


def export_jobs_visible_to(membership):
    """Rule: an export is visible to the person who asked for it, for that organisation."""
    if membership is None:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(
        created_by=membership.user, organisation=membership.organisation
    )


def organisation_choices(membership):
    qs = Organisation.objects.filter(
        kind__in=[OrganisationKind.FRONT_DESK, OrganisationKind.MEDIATOR]
    )
    epci = scope_epci_id(membership)
    if epci:
        qs = qs.filter(epci_id=epci)
    return qs.order_by("name")
