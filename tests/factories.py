"""Factories for the whole suite. Each app's tests may add theirs in tests/<app>/factories.py."""

import datetime

import factory
from django.utils import timezone

from passnum.accounts.models import User
from passnum.organisations.models import Membership, Organisation, OrganisationKind, Role
from passnum.programme.models import Commune, Envelope, Epci, Programme, Side, TargetPublic, Vintage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", "mot-de-passe-de-test")


class EpciFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Epci
        django_get_or_create = ("siren",)

    siren = factory.Sequence(lambda n: f"2{n:08d}")
    name = factory.Sequence(lambda n: f"CC de test {n}")
    is_partner = True


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    insee_code = factory.Sequence(lambda n: f"12{n:03d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    postcodes = "12000"
    epci = factory.SubFactory(EpciFactory)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("name",)

    name = "Pass numérique Aveyron"
    start_year = 2020
    end_year = 2022


class VintageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vintage
        django_get_or_create = ("year",)

    programme = factory.SubFactory(ProgrammeFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    valid_from = factory.LazyAttribute(lambda o: datetime.date(o.year, 1, 1))
    valid_until = factory.LazyAttribute(lambda o: datetime.date(o.year + 1, 1, 31))


class EnvelopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Envelope

    programme = factory.SubFactory(ProgrammeFactory)
    side = Side.CD12
    epci = None
    chequebook_target = 6000


class TargetPublicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetPublic
        django_get_or_create = ("code",)

    side = Side.CD12
    code = factory.Sequence(lambda n: f"public-{n}")
    label = factory.Sequence(lambda n: f"Public cible {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.FRONT_DESK
    name = factory.Sequence(lambda n: f"Structure {n}")
    side = Side.CD12


class OwnerFactory(OrganisationFactory):
    kind = OrganisationKind.OWNER
    name = "Conseil départemental de l'Aveyron"
    side = ""


class EpciOrganisationFactory(OrganisationFactory):
    kind = OrganisationKind.EPCI
    side = ""
    epci = factory.SubFactory(EpciFactory)


class FrontDeskFactory(OrganisationFactory):
    kind = OrganisationKind.FRONT_DESK
    side = Side.CD12


class EpciFrontDeskFactory(OrganisationFactory):
    kind = OrganisationKind.FRONT_DESK
    side = Side.EPCI
    epci = factory.SubFactory(EpciFactory)


class MediatorOrganisationFactory(OrganisationFactory):
    kind = OrganisationKind.MEDIATOR
    side = ""


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(FrontDeskFactory)
    role = Role.EVALUATOR


def manager_membership(**kwargs):
    return MembershipFactory(organisation=OwnerFactory(), role=Role.PROGRAMME_MANAGER, **kwargs)


def evaluator_membership(organisation=None, **kwargs):
    return MembershipFactory(
        organisation=organisation or FrontDeskFactory(), role=Role.EVALUATOR, **kwargs
    )


def mediator_membership(organisation=None, role=Role.ORG_ADMIN, **kwargs):
    return MembershipFactory(
        organisation=organisation or MediatorOrganisationFactory(), role=role, **kwargs
    )
