import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from orientation.models import Referral
from passnum.core.dates import PARIS
from tests.factories import BeneficiaryFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def _referrals(world, n, days_ago):
    made = []
    for i in range(n):
        referral = ReferralFactory(
            beneficiary=BeneficiaryFactory(
                registered_by_organisation=world.desk, last_name=f"Personne{days_ago}x{i}"
            ),
            mediator=world.mediator_org,
            place=world.place_near,
        )
        Referral.objects.filter(pk=referral.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
        made.append(referral)
    return made


def test_front_desk_home_shows_the_main_action_and_referrals_to_follow_up(
    world, login, settings, django_assert_max_num_queries
):
    settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS = 14
    late = _referrals(world, 3, days_ago=15)
    recent = _referrals(world, 2, days_ago=3)
    client = login(world.agent)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("home")).content.decode()
    assert "Nouvelle personne" in page
    assert "3 orientations sans réponse" in page
    for referral in late:
        assert referral.beneficiary.last_name in page
    # the place's phone, to call the mediator
    phone = world.place_near.phone
    from passnum.core.text import french_phone  # shown in groups of two

    assert phone and page.count(f">{french_phone(phone)}</a>") == 3
    for referral in recent:
        assert referral.beneficiary.last_name not in page


def test_mediator_home_lists_referrals_waiting_for_an_answer(
    world, login, django_assert_max_num_queries
):
    waiting = _referrals(world, 4, days_ago=1)
    other = ReferralFactory(beneficiary__last_name="Zzautre-Personne")
    client = login(world.mediator)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("home")).content.decode()
    for referral in waiting:
        assert referral.beneficiary.last_name in page
    assert other.beneficiary.last_name not in page
    assert reverse("orientation:inbox") in page


def test_the_home_and_the_referral_list_follow_up_from_the_same_day(world, login, settings):
    """The front desk's home and its referral list count the same overdue referrals, with the
    one day boundary (Referral.objects.overdue): one made on D-14 in the morning is not yet
    to follow up, one made on D-15 in the evening is."""
    settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS = 14
    now = datetime.datetime(2026, 3, 17, 11, 0, tzinfo=PARIS)
    with freeze_time(now):
        morning, evening = _referrals(world, 2, days_ago=0)
    Referral.objects.filter(pk=morning.pk).update(
        created_at=datetime.datetime(2026, 3, 3, 8, 0, tzinfo=PARIS)
    )
    Referral.objects.filter(pk=evening.pk).update(
        created_at=datetime.datetime(2026, 3, 2, 22, 0, tzinfo=PARIS)
    )
    client = login(world.agent)
    with freeze_time(now):
        assert list(Referral.objects.overdue()) == [evening]
        home = client.get(reverse("home")).content.decode()
        listing = client.get(reverse("orientation:referral_list")).content.decode()
    assert "1 orientation sans réponse" in home
    assert evening.beneficiary.last_name in home and morning.beneficiary.last_name not in home
    assert "1 à relancer" in listing
