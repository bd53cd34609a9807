"""Lists of what reporting produced, and the structures a dashboard may be filtered on."""

from passnum.organisations.models import Organisation, OrganisationKind, Role

from ..models import (
    ExportJob,
    Report,
)
from .scope import scope_epci_id


def reports_visible_to(membership):
    """Rule: programme managers see every report; an EPCI coordinator those of its EPCI."""
    if membership is None:
        return Report.objects.none()
    if membership.role == Role.PROGRAMME_MANAGER:
        return Report.objects.all()
    if membership.role == Role.EPCI_COORDINATOR and membership.organisation.epci_id:
        return Report.objects.filter(epci_id=membership.organisation.epci_id)
    return Report.objects.none()


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
