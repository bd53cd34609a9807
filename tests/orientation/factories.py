"""Orientation factories (referrals); people, places and chequebooks come from tests/factories."""

import factory

from orientation.models import Referral, ReferralState
from tests.factories import (
    BeneficiaryFactory,
    FrontDeskFactory,
    MediatorOrganisationFactory,
    MediatorProfileFactory,
    PlaceFactory,
    UserFactory,
)


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    mediator = factory.SubFactory(MediatorOrganisationFactory)
    place = factory.SubFactory(PlaceFactory, organisation=factory.SelfAttribute("..mediator"))
    from_organisation = factory.SelfAttribute("beneficiary.registered_by_organisation")
    created_by = factory.SubFactory(UserFactory)
    state = ReferralState.PROPOSED
    decline_reason = factory.LazyAttribute(
        lambda o: "Complet" if o.state == ReferralState.DECLINED else ""
    )


class QualifiedPlaceFactory(PlaceFactory):
    """A place of a mediator with a qualified profile: the only places a person may be referred
    to (``mediator_is_qualified``)."""

    organisation = factory.LazyFunction(lambda: MediatorProfileFactory().organisation)


__all__ = ["ReferralFactory", "FrontDeskFactory", "QualifiedPlaceFactory"]
