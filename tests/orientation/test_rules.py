"""The rules orientation takes from one home: the chequebook in hand, the same-day correction
of an assessment (Europe/Paris), who may anonymise, the retention cut-off and the identity key."""

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from chequebooks.models import ChequebookState
from orientation.selectors import (
    assessment_can_be_corrected,
    beneficiaries_for_list,
    beneficiary_can_be_anonymised,
    chequebook_in_hand,
)
from orientation.services import assessment_record
from passnum.core.dates import PARIS
from passnum.people.identity import same_person_q
from passnum.people.models import Beneficiary
from passnum.programme.services import vintage_defaults
from tests.factories import (
    BeneficiaryFactory,
    HandedOutChequebookFactory,
    MembershipFactory,
    evaluator_membership,
    manager_membership,
)

pytestmark = pytest.mark.django_db


def _answers(questionnaire, pick=0):
    return {
        q.pk: list(q.choices.all())[pick].pk
        for q in questionnaire.questions.prefetch_related("choices")
    }


def _person(world, **kwargs):
    return BeneficiaryFactory(
        registered_by_organisation=world.desk, target_public=world.public, **kwargs
    )


def test_the_chequebook_in_hand_stays_in_january_and_goes_when_its_vintage_ends(world):
    year = world.vintage.year
    book = HandedOutChequebookFactory(vintage=world.vintage, envelope=world.chequebooks[0].envelope)
    person = book.beneficiary
    assert chequebook_in_hand(person, today=datetime.date(year, 6, 1)) == book
    # vintage N is valid until 31 January N+1: still in hand in January, though of last year
    assert chequebook_in_hand(person, today=datetime.date(year + 1, 1, 31)) == book
    assert chequebook_in_hand(person, today=datetime.date(year + 1, 2, 1)) is None


def test_the_chequebook_in_hand_counts_the_records_of_the_same_person_not_a_cancelled_one(world):
    book = HandedOutChequebookFactory(vintage=world.vintage, envelope=world.chequebooks[0].envelope)
    elsewhere = book.beneficiary
    elsewhere.identity_key = "durand|emile|1960-05-17"
    elsewhere.save()
    here = _person(world, identity_key="durand|emile|1960-05-17")
    stranger = _person(world, identity_key="martin|anne|1970-01-01")
    assert chequebook_in_hand(here) == book
    assert chequebook_in_hand(stranger) is None
    # the people list says the same (its subquery form of the rule)
    listed = {p.pk: p.holds_chequebook for p in beneficiaries_for_list(manager_membership())}
    assert listed[here.pk] and listed[elsewhere.pk] and not listed[stranger.pk]
    assert set(Beneficiary.objects.filter(same_person_q(here))) == {here, elsewhere}
    book.state = ChequebookState.CANCELLED
    book.save()
    assert chequebook_in_hand(here) is None and chequebook_in_hand(elsewhere) is None


def test_a_newer_vintage_in_hand_comes_first(world):
    next_vintage = vintage_defaults(programme=world.vintage.programme, year=world.vintage.year + 1)
    old = HandedOutChequebookFactory(vintage=world.vintage, envelope=world.chequebooks[0].envelope)
    new = HandedOutChequebookFactory(
        vintage=next_vintage,
        envelope=world.chequebooks[0].envelope,
        beneficiary=old.beneficiary,
        handed_out_at=old.handed_out_at + datetime.timedelta(days=1),
    )
    assert chequebook_in_hand(old.beneficiary) == new


def test_an_assessment_is_corrected_on_its_day_in_paris_not_in_utc(world):
    person = _person(world)
    late_evening = datetime.datetime(2026, 3, 10, 23, 30, tzinfo=PARIS)  # 22:30 UTC
    with freeze_time(late_evening):
        late = assessment_record(
            beneficiary=person, membership=world.agent, answers=_answers(world.questionnaire)
        )
        assert assessment_can_be_corrected(late, world.agent)
    after_midnight = datetime.datetime(2026, 3, 11, 0, 30, tzinfo=PARIS)  # still 10 March in UTC
    with freeze_time(after_midnight):
        assert not assessment_can_be_corrected(late, world.agent)
        again = assessment_record(
            beneficiary=person,
            membership=world.agent,
            answers=_answers(world.questionnaire, 2),
            replaces=late,
        )
        assert again.pk != late.pk  # a new assessment, the one of yesterday is kept
        assert assessment_can_be_corrected(again, world.agent)
    with freeze_time(datetime.datetime(2026, 3, 11, 10, 0, tzinfo=PARIS)):
        # made at 00:30 Paris, i.e. on 10 March in UTC: the same Paris day
        assert assessment_can_be_corrected(again, world.agent)
        assert not assessment_can_be_corrected(again, evaluator_membership())


def test_only_a_manager_or_the_registering_desk_may_anonymise(world):
    person = _person(world)
    assert beneficiary_can_be_anonymised(person, world.agent)
    assert beneficiary_can_be_anonymised(person, manager_membership())
    assert not beneficiary_can_be_anonymised(person, evaluator_membership())
    assert not beneficiary_can_be_anonymised(person, world.mediator)
    gone = MembershipFactory(
        organisation=world.desk, role="evaluator", is_active=False, deactivated_at=timezone.now()
    )
    assert not beneficiary_can_be_anonymised(person, gone)


def test_past_retention_is_the_retention_months_after_the_last_activity(world, settings):
    settings.PASSNUM_RETENTION_MONTHS = 36
    start = timezone.now()
    with freeze_time(start):
        person = _person(world)
    limit = start + datetime.timedelta(days=round(36 * 365.25 / 12))
    assert person not in Beneficiary.objects.past_retention(limit - datetime.timedelta(hours=1))
    assert person in Beneficiary.objects.past_retention(limit + datetime.timedelta(hours=1))
    person.anonymised_at = start
    person.save()
    assert person not in Beneficiary.objects.past_retention(limit + datetime.timedelta(days=1))
