"""Factories and helpers for the cheque stock tests."""

from django.utils import timezone

from chequebooks.models import ChequebookState
from passnum.programme.models import Envelope
from passnum.territory.models import Side
from tests.factories import (
    BeneficiaryFactory,
    ChequebookFactory,
    EpciFactory,
    EpciFrontDeskFactory,
    FrontDeskFactory,
    ProgrammeFactory,
    TargetPublicFactory,
    VintageFactory,
    evaluator_membership,
)


def cd12_envelope():
    programme = ProgrammeFactory()
    envelope, _ = Envelope.objects.get_or_create(
        programme=programme, side=Side.CD12, defaults={"chequebook_target": 6000}
    )
    return envelope


def epci_envelope(epci=None):
    programme = ProgrammeFactory()
    epci = epci or EpciFactory()
    envelope, _ = Envelope.objects.get_or_create(
        programme=programme, side=Side.EPCI, epci=epci, defaults={"chequebook_target": 100}
    )
    return envelope


def desk_chequebook(desk, *, vintage=None, envelope=None, received=True, **kwargs):
    """A chequebook at ``desk`` (cheques at the front desk), from the desk's envelope."""
    if envelope is None:
        envelope = cd12_envelope() if desk.side == Side.CD12 else epci_envelope(desk.epci)
    return ChequebookFactory(
        state=ChequebookState.AT_FRONT_DESK,
        holder=desk,
        envelope=envelope,
        vintage=vintage or VintageFactory(),
        allocated_at=timezone.now(),
        received_at=timezone.now() if received else None,
        **kwargs,
    )


def cd12_beneficiary(desk, **kwargs):
    return BeneficiaryFactory(
        registered_by_organisation=desk,
        target_public=TargetPublicFactory(side=Side.CD12, code="cd12-rsa", label="RSA"),
        **kwargs,
    )


def epci_beneficiary(desk, **kwargs):
    return BeneficiaryFactory(
        registered_by_organisation=desk,
        target_public=TargetPublicFactory(side=Side.EPCI, code="epci-seniors", label="Aînés"),
        **kwargs,
    )


def cd12_desk_agent():
    return evaluator_membership(FrontDeskFactory(side=Side.CD12))


def epci_desk_agent(epci=None):
    return evaluator_membership(EpciFrontDeskFactory(epci=epci or EpciFactory()))
