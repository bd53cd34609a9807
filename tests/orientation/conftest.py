import pytest
from django.utils import timezone

from chequebooks.models import ChequebookState
from orientation.services import questionnaire_default_create
from passnum.programme.models import Envelope, Service, TargetPublic
from passnum.programme.services import vintage_defaults
from passnum.territory.models import Commune, Side
from tests.factories import (
    ChequebookFactory,
    EpciFrontDeskFactory,
    MediatorProfileFactory,
    PlaceFactory,
    evaluator_membership,
    mediator_membership,
)


class World:
    pass


@pytest.fixture
def world(reference_data):
    """An EPCI-side front desk in Rodez with two chequebooks, a qualified mediator with a place
    in Rodez and one in Millau, and the default questionnaire."""
    w = World()
    w.rodez = Commune.objects.get(name="Rodez")
    w.millau = Commune.objects.get(name="Millau")
    w.desk = EpciFrontDeskFactory(name="CCAS de test", epci=w.rodez.epci, commune=w.rodez)
    w.agent = evaluator_membership(organisation=w.desk)
    w.vintage = vintage_defaults(programme=reference_data, year=timezone.localdate().year)
    envelope = Envelope.objects.get(side=Side.EPCI, epci=w.rodez.epci)
    w.chequebooks = [
        ChequebookFactory(
            state=ChequebookState.AT_FRONT_DESK, holder=w.desk, envelope=envelope, vintage=w.vintage
        )
        for _ in range(2)
    ]
    profile = MediatorProfileFactory(organisation__name="Médiateurs du Rouergue")
    w.mediator_org = profile.organisation
    w.mediator = mediator_membership(organisation=w.mediator_org)
    services = list(Service.objects.all())
    w.place_far = PlaceFactory(organisation=w.mediator_org, commune=w.millau, name="Lieu de Millau")
    w.place_far.services.set(services)
    w.place_near = PlaceFactory(
        organisation=w.mediator_org,
        commune=w.rodez,
        name="Lieu de Rodez",
        accessibility=["Surdité"],
        email="lieu@example.org",
    )
    w.place_near.services.set(services[:3])
    w.public = TargetPublic.objects.get(code="epci-familles")
    w.questionnaire = questionnaire_default_create()
    return w


@pytest.fixture
def default_questionnaire(reference_data):
    """The default pre-assessment questionnaire, published and in service."""
    return questionnaire_default_create()
