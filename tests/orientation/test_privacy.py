import datetime
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from mediation.models import Activity, Redemption, RedemptionSubmission
from orientation.services import (
    assessment_record,
    beneficiaries_purge,
    beneficiary_anonymise,
    beneficiary_hand_over,
    beneficiary_register,
    referral_accept,
    referral_create,
)
from orientation.tasks import beneficiaries_purge as task
from passnum.audit.models import JournalEntry
from passnum.people.identity import identity_key_for, identity_normalise
from passnum.people.models import Beneficiary
from passnum.people.privacy import beneficiary_touch
from reporting.selectors import Filters, dashboard_data
from reporting.summaries import summaries_refresh
from tests.factories import (
    BeneficiaryFactory,
    HandedOutChequebookFactory,
    evaluator_membership,
    manager_membership,
)

pytestmark = pytest.mark.django_db


def _figures():
    return Counter(
        Beneficiary.objects.values_list("commune_id", "target_public_id", "birth_decade")
    ), Beneficiary.objects.count()


def _register(world, **kwargs):
    data = {
        "first_name": "Émile",
        "last_name": "Durand-Laval",
        "birth_date": datetime.date(1948, 6, 1),
        "commune": world.rodez,
        "phone": "0600000000",
        "email": "e@example.org",
        "contact_consent": True,
        "target_public": world.public,
    }
    data.update(kwargs)
    return beneficiary_register(membership=world.agent, consent_given=True, **data)


def test_identity_key_ignores_accents_case_and_spaces():
    assert identity_normalise("  Émile   DURAND-laval ") == "emile durand laval"
    a = identity_key_for(first_name="Émile", last_name="Durand-Laval", birth_date=None)
    b = identity_key_for(first_name=" emile", last_name="DURAND  LAVAL", birth_date=None)
    assert a == b


def test_registration_records_consent_and_the_registering_desk(world):
    person = _register(world)
    assert person.consent_at and person.consent_text_version
    assert person.registered_by_organisation == world.desk and person.birth_decade == "1940-1949"
    with pytest.raises(ValidationError, match="consentement de la personne est nécessaire"):
        beneficiary_register(
            membership=world.agent,
            consent_given=False,
            first_name="A",
            last_name="B",
            birth_date=None,
            commune=world.rodez,
            target_public=world.public,
        )


def test_anonymisation_blanks_identity_and_keeps_figures(world):
    people = [_register(world, first_name=f"P{i}") for i in range(3)]
    before = _figures()
    beneficiary_anonymise(beneficiary=people[0], membership=world.agent)
    person = Beneficiary.objects.get(pk=people[0].pk)
    assert (person.first_name, person.last_name, person.phone, person.email) == ("", "", "", "")
    assert person.birth_date is None and person.identity_key == "" and person.anonymised_at
    assert person.commune == world.rodez and person.target_public == world.public
    assert _figures() == before
    entries = JournalEntry.objects.filter(target_id=str(person.pk))
    assert not any("Durand" in e.target_repr or "P0" in e.target_repr for e in entries)


def test_only_the_registering_desk_or_a_manager_anonymises(world):
    person = _register(world)
    with pytest.raises(ValidationError, match="Seuls le gestionnaire du programme et l'accueil"):
        beneficiary_anonymise(beneficiary=person, membership=evaluator_membership())
    beneficiary_anonymise(beneficiary=person, membership=manager_membership())
    person.refresh_from_db()
    assert person.anonymised_at


def test_purge_after_the_retention_period_since_last_activity(world, settings):
    settings.PASSNUM_RETENTION_MONTHS = 36
    start = timezone.now()
    with freeze_time(start):
        idle = _register(world, first_name="Idle")
        active = _register(world, first_name="Active")
    other = BeneficiaryFactory(target_public=world.public)
    before = _figures()
    with freeze_time(start + datetime.timedelta(days=365 * 2)):
        beneficiary_touch(beneficiary=active)
    with freeze_time(start + datetime.timedelta(days=365 * 3 - 5)):
        assert beneficiaries_purge() == 0
    with freeze_time(start + datetime.timedelta(days=365 * 3 + 5)):
        assert task.delay().get() == 2  # idle + the factory person (created at start)
        assert beneficiaries_purge() == 0
    idle.refresh_from_db()
    active.refresh_from_db()
    other.refresh_from_db()
    assert idle.anonymised_at and other.anonymised_at and not active.anonymised_at
    assert _figures()[1] == before[1]
    assert Counter((c, t) for (c, t, _d), n in before[0].items() for _ in range(n)) == Counter(
        (c, t) for (c, t, _d), n in _figures()[0].items() for _ in range(n)
    )


def test_a_recent_redemption_keeps_a_person_from_the_purge(world, settings):

    settings.PASSNUM_RETENTION_MONTHS = 36
    start = timezone.now()
    with freeze_time(start):
        book = HandedOutChequebookFactory(
            vintage=world.vintage, envelope=world.chequebooks[0].envelope
        )
    person = book.beneficiary
    later = start + datetime.timedelta(days=365 * 2)
    activity = Activity.objects.create(
        mediator=world.mediator_org,
        kind="individual",
        date=later.date(),
        duration_minutes=60,
        created_by=world.mediator.user,
    )
    submission = RedemptionSubmission.objects.create(
        token="t1", mediator=world.mediator_org, user=world.mediator.user
    )
    Redemption.objects.create(
        cheque=book.cheques.first(),
        mediator=world.mediator_org,
        beneficiary=person,
        activity=activity,
        submission=submission,
        face_value_cents=1000,
        mediator_net_cents=960,
        redeemed_by=world.mediator.user,
        redeemed_at=later,
    )
    with freeze_time(start + datetime.timedelta(days=365 * 3 + 30)):
        beneficiaries_purge()
    person.refresh_from_db()
    assert person.anonymised_at is None
    with freeze_time(start + datetime.timedelta(days=365 * 5 + 30)):
        beneficiaries_purge()
    person.refresh_from_db()
    assert person.anonymised_at is not None


def test_anonymisation_leaves_the_reporting_figures_unchanged(world):
    """The dashboard's figures (reporting's summaries, refreshed) are the same before and
    after anonymising people at every step: registered, assessed twice, handed a chequebook,
    referred."""

    def answers(pick):
        return {
            q.pk: list(q.choices.all())[pick].pk
            for q in world.questionnaire.questions.prefetch_related("choices")
        }

    people = [_register(world, first_name=f"P{i}") for i in range(4)]
    for person in people[1:]:
        assessment_record(beneficiary=person, membership=world.agent, answers=answers(0))
    assessment_record(beneficiary=people[1], membership=world.agent, answers=answers(2))
    for person, chequebook in zip(people[2:], world.chequebooks, strict=True):
        beneficiary_hand_over(
            beneficiary=person, chequebook_number=chequebook.number, membership=world.agent
        )
    referral = referral_create(
        beneficiary=people[3], place=world.place_near, membership=world.agent
    )
    referral_accept(referral=referral, membership=world.mediator)

    def figures():
        summaries_refresh()
        data = dashboard_data(Filters())
        keys = ("funnel", "referrals", "by_public", "by_epci", "levels", "gain", "residents")
        return {key: data[key] for key in keys}

    before = figures()
    assert before["funnel"] and before["gain"]["reassessed"] == 1
    assert before["referrals"].get("accepted") == 1
    for person in people:
        beneficiary_anonymise(beneficiary=person, membership=world.agent)
    assert Beneficiary.objects.filter(anonymised_at__isnull=False).count() == 4
    assert figures() == before
