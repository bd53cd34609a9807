"""The one test world: factories and builders for the whole suite (no per-app copies)."""

import datetime

import factory
from django.utils import timezone

from chequebooks.models import Cheque, Chequebook, ChequebookState, ChequeState
from mediation.models import (
    Activity,
    Agreement,
    AgreementStatus,
    Redemption,
    RedemptionSubmission,
    Statement,
    StatementStatus,
)
from orientation.models import Assessment, Questionnaire, Referral, ReferralState
from passnum.accounts.models import User
from passnum.directory.models import MediatorProfile, Place, QualificationStatus
from passnum.organisations.models import Membership, Organisation, OrganisationKind, Role
from passnum.people.models import Beneficiary
from passnum.programme.models import Envelope, Programme, TargetPublic, Vintage
from passnum.territory.models import Commune, Epci, Side


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password("mot-de-passe-de-test")


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


# --- People, chequebooks, the mediation directory ----------------------------------------------


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    birth_date = datetime.date(1960, 5, 17)
    commune = factory.SubFactory(CommuneFactory)
    target_public = factory.SubFactory(TargetPublicFactory)
    consent_at = factory.LazyFunction(timezone.now)
    consent_text_version = "2026-01"
    registered_by_organisation = factory.SubFactory(FrontDeskFactory)
    registered_by = factory.SubFactory(UserFactory)


TEST_CHEQUE_CODE = "K7M9P2QX"  # every factory cheque has this security code


class ChequebookFactory(factory.django.DjangoModelFactory):
    """A chequebook with its cheques. ``state`` applies to the chequebook and its cheques."""

    class Meta:
        model = Chequebook
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: 100000 + n)
    vintage = factory.SubFactory(VintageFactory)
    envelope = factory.SubFactory(EnvelopeFactory)
    cheque_count = 10
    state = ChequebookState.IN_STOCK

    @factory.post_generation
    def cheques(obj, create, extracted, **kwargs):
        if not create:
            return
        from chequebooks.services import cheque_code_hash

        state = {
            ChequebookState.IN_STOCK: ChequeState.IN_STOCK,
            ChequebookState.AT_FRONT_DESK: ChequeState.AT_FRONT_DESK,
            ChequebookState.HANDED_OUT: ChequeState.HANDED_OUT,
            ChequebookState.CANCELLED: ChequeState.CANCELLED,
        }[obj.state]
        Cheque.objects.bulk_create(
            Cheque(
                chequebook=obj,
                number=obj.number * 100 + i,
                position=i,
                code_hash=cheque_code_hash(TEST_CHEQUE_CODE),
                state=state,
            )
            for i in range(1, obj.cheque_count + 1)
        )


class HandedOutChequebookFactory(ChequebookFactory):
    state = ChequebookState.HANDED_OUT
    holder = factory.SubFactory(FrontDeskFactory)
    beneficiary = factory.SubFactory(BeneficiaryFactory)
    handed_out_at = factory.LazyFunction(timezone.now)
    handed_out_by_organisation = factory.SelfAttribute("holder")


class MediatorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediatorProfile

    organisation = factory.SubFactory(MediatorOrganisationFactory)
    siret = "73282932000074"
    legal_name = factory.SelfAttribute("organisation.name")
    legal_representative = "Camille Martin"
    iban = "FR7630006000011234567890189"
    bic = "AGRIFRPP"
    qualification_status = QualificationStatus.QUALIFIED
    qualified_at = factory.LazyFunction(timezone.now)


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    organisation = factory.SubFactory(MediatorOrganisationFactory)
    name = factory.Sequence(lambda n: f"Lieu de médiation {n}")
    address = "1 place de la Mairie"
    commune = factory.SubFactory(CommuneFactory)
    postcode = "12000"
    opening_hours = "Mo-Fr 09:00-12:00,14:00-17:00"
    opening_hours_text = "Du lundi au vendredi, 9 h – 12 h et 14 h – 17 h"
    phone = "0565000000"


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    mediator = factory.SubFactory(MediatorOrganisationFactory)
    counterpart = factory.SubFactory(OwnerFactory)
    start_date = factory.LazyFunction(lambda: datetime.date(timezone.localdate().year - 1, 1, 1))
    end_date = factory.LazyFunction(lambda: datetime.date(timezone.localdate().year + 1, 12, 31))
    signed_at = factory.LazyFunction(lambda: datetime.date(timezone.localdate().year - 1, 1, 1))
    status = AgreementStatus.ACTIVE


# --- Envelopes, desks and their stock (cheque stock tests) -------------------------------------


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


# --- Orientation: questionnaires, assessments, referrals ---------------------------------------


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire
        django_get_or_create = ("version",)

    version = 900
    title = "Questionnaire de test"
    is_published = True


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    score = 5
    level_code = "debutant"
    level_label = "Débutant"
    assessed_by = factory.SubFactory(UserFactory)
    assessed_by_organisation = factory.SelfAttribute("beneficiary.registered_by_organisation")


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


def referral_create(*, beneficiary, place, from_organisation, state="proposed", created_at=None):
    """A referral to ``place``, made at ``created_at`` when given (the field is auto_now_add)."""
    referral = ReferralFactory(
        beneficiary=beneficiary,
        place=place,
        mediator=place.organisation,
        from_organisation=from_organisation,
        state=state,
    )
    if created_at:
        Referral.objects.filter(pk=referral.pk).update(created_at=created_at)
        referral.refresh_from_db()
    return referral


# --- Mediation: activities, redemptions, statements (rows as mediation records them) -----------


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    number = factory.Sequence(lambda n: 9000 + n)
    mediator = factory.SubFactory(MediatorOrganisationFactory)
    period_start = factory.Sequence(lambda n: datetime.date(2000 + n, 1, 1))
    status = StatementStatus.ISSUED


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    mediator = factory.SubFactory(MediatorOrganisationFactory)
    kind = Activity.Kind.INDIVIDUAL
    date = factory.LazyFunction(timezone.localdate)
    duration_minutes = 60
    created_by = factory.SubFactory(UserFactory)


def redemption_create(*, cheque, mediator, place=None, statement=None, at=None):
    """A redemption row as mediation records it (the cheque's state is set by the caller)."""
    user = UserFactory()
    activity = ActivityFactory(mediator=mediator, place=place)
    submission = RedemptionSubmission.objects.create(
        token=f"tok-{cheque.pk}", mediator=mediator, user=user
    )
    vintage = cheque.chequebook.vintage
    return Redemption.objects.create(
        cheque=cheque,
        mediator=mediator,
        beneficiary=cheque.chequebook.beneficiary,
        activity=activity,
        submission=submission,
        statement=statement,
        face_value_cents=vintage.face_value_cents,
        mediator_net_cents=vintage.mediator_net_cents,
        redeemed_by=user,
        redeemed_at=at or timezone.now(),
    )


# --- Issue 14: appointments, reminders, progress -------------------------------------------------


def place_with_slot(*, weekday=1, capacity=1, start=datetime.time(14), duration=60):
    """A qualified mediator's place taking appointments, with one weekly slot."""
    from passnum.directory.models import PlaceSlot

    place = QualifiedPlaceFactory(takes_appointments=True)
    slot = PlaceSlot.objects.create(
        place=place,
        weekday=weekday,
        start_time=start,
        duration_minutes=duration,
        capacity=capacity,
    )
    return place, slot


# --- Issue 15: the State's service and its observer ---------------------------------------------


class StateServiceFactory(OrganisationFactory):
    kind = OrganisationKind.STATE
    name = factory.Sequence(lambda n: f"Préfecture {n}")
    side = ""


def state_observer_membership(**kwargs):
    return MembershipFactory(organisation=StateServiceFactory(), role=Role.STATE_OBSERVER, **kwargs)
