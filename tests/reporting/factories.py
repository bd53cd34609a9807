"""Rows of the mediation app the reporting tests need (written directly: figures only)."""

import datetime

import factory
from django.utils import timezone

from mediation.models import Activity, Redemption, RedemptionSubmission, Statement, StatementStatus
from orientation.models import Assessment, Questionnaire, Referral
from tests.factories import MediatorOrganisationFactory, UserFactory


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


def referral_create(*, beneficiary, place, from_organisation, state="proposed", created_at=None):
    referral = Referral.objects.create(
        beneficiary=beneficiary,
        place=place,
        mediator=place.organisation,
        from_organisation=from_organisation,
        created_by=UserFactory(),
        state=state,
    )
    if created_at:
        Referral.objects.filter(pk=referral.pk).update(created_at=created_at)
    return referral
