"""The orientation demo puts people at every step, the last ones included (completed, an
autonomy gain, an anonymised person), and loads once."""

import pytest
from django.db.models import Count

from orientation import demo
from orientation.models import Assessment, Referral, ReferralState
from orientation.services import assessment_gain
from passnum.organisations.models import OrganisationKind
from passnum.people.models import Beneficiary
from passnum.programme.demo import demo_load_foundation
from tests.factories import MediatorProfileFactory, PlaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(reference_data):
    """The foundation's demo organisations, with a qualified profile and one place per mediator
    (the mediation demo's job in the full demo, left out here so that this test depends on
    orientation only)."""

    ctx = demo_load_foundation()
    for org in ctx.orgs.values():
        if org.kind == OrganisationKind.MEDIATOR:
            MediatorProfileFactory(organisation=org, legal_name=org.name)
            PlaceFactory(organisation=org, commune=org.commune, name=f"Lieu {org.name}")
    return ctx


def test_the_demo_has_people_at_every_step_and_loads_once(ctx):

    demo.load(ctx)
    states = set(Referral.objects.values_list("state", flat=True))
    assert set(ReferralState.values) <= states
    twice = Beneficiary.objects.annotate(n=Count("assessments")).filter(n__gte=2)
    gains = [assessment_gain(beneficiary=person) for person in twice]
    assert any(g["gain"] > 0 and g["comparable"] for g in gains)
    assert Assessment.objects.filter(assessed_by_organisation__kind="mediator").exists()
    anonymised = Beneficiary.objects.get(anonymised_at__isnull=False)
    assert anonymised.first_name == "" and anonymised.birth_decade == "1990-1999"
    assert Assessment.objects.filter(handover_decision=False).exclude(no_handover_reason="")
    counts = (Beneficiary.objects.count(), Referral.objects.count(), Assessment.objects.count())
    demo.load(ctx)
    assert (
        Beneficiary.objects.count(),
        Referral.objects.count(),
        Assessment.objects.count(),
    ) == counts
