"""Helpers the service modules share: which envelope serves a front desk, and the checked
change of state."""

from django.db.models import Q

from passnum.organisations.models import OrganisationKind
from passnum.territory.models import Side


def envelope_serves(*, envelope, organisation) -> bool:
    """Rule: a front desk is served by its side's envelope: the CD12 envelope for a CD12-side
    desk, its own EPCI's envelope for an EPCI-side desk."""
    if organisation.kind != OrganisationKind.FRONT_DESK:
        return False
    if organisation.side == Side.CD12:
        return envelope.side == Side.CD12
    return envelope.side == Side.EPCI and envelope.epci_id == organisation.epci_id


def envelope_filter_for(organisation) -> Q:
    if organisation.side == Side.CD12:
        return Q(envelope__side=Side.CD12)
    return Q(envelope__side=Side.EPCI, envelope__epci_id=organisation.epci_id)
