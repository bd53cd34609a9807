"""The demo's story holds: each person's steps are dated in order (first visit, assessment,
hand-over, referral, the mediator's answer, first session, redemptions, statement, payment),
some chequebooks were never started past the radar's days, a referral waits past its
follow-up, and the programme's years cover its vintages. Loaded on a December day and on a
February day (the first months of a year used to date redemptions before hand-overs)."""

import datetime

import pytest
from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone
from freezegun import freeze_time

from chequebooks.models import Chequebook
from mediation.models import Redemption, Statement
from orientation.models import Assessment, Referral
from passnum.people.models import Beneficiary
from passnum.programme.models import Programme, TargetPublic, Vintage
from passnum.programme.services.reference import APA_LABEL
from passnum.site.demo import demo_load
from reporting.selectors import Filters, dashboard_data

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["2026-12-02 10:00", "2027-02-15 10:00"])
def demo_day(request):
    with freeze_time(request.param):
        demo_load()
        yield timezone.now()


def test_each_persons_steps_are_dated_in_order(demo_day):
    handed = Chequebook.objects.filter(handed_out_at__isnull=False).select_related("beneficiary")
    assert handed.count() >= 10
    for book in handed:
        person = book.beneficiary
        first_assessment = Assessment.objects.filter(beneficiary=person).aggregate(
            at=Min("created_at")
        )["at"]
        assert person.created_at <= first_assessment <= book.handed_out_at <= demo_day, book
        assert book.allocated_at <= book.handed_out_at, book
        if book.received_at:
            assert book.allocated_at <= book.received_at <= book.handed_out_at, book
        for referral in Referral.objects.filter(beneficiary=person):
            assert book.handed_out_at <= referral.created_at, referral
    for referral in Referral.objects.all():
        assert referral.beneficiary.created_at <= referral.created_at <= demo_day
        if referral.accepted_at:
            assert referral.created_at <= referral.accepted_at <= demo_day, referral
        assert referral.created_at <= referral.state_changed_at <= demo_day, referral


def test_no_redemption_before_its_hand_over_nor_its_referral(demo_day):
    redemptions = Redemption.objects.select_related(
        "cheque__chequebook", "activity__referral", "beneficiary"
    )
    assert redemptions.count() >= 20
    for redemption in redemptions:
        assert redemption.cheque.chequebook.handed_out_at <= redemption.redeemed_at <= demo_day
        assert redemption.activity.date == timezone.localtime(redemption.redeemed_at).date()
        for referral in Referral.objects.filter(
            beneficiary=redemption.beneficiary, mediator=redemption.mediator
        ):
            assert referral.created_at <= redemption.redeemed_at, redemption
            if referral.accepted_at:
                assert referral.accepted_at <= redemption.redeemed_at, redemption


def test_no_statement_before_its_redemptions_nor_payment_before_its_statement(demo_day):
    statements = Statement.objects.annotate(last=Max("redemptions__redeemed_at"))
    assert statements.filter(paid_at__isnull=False).exists()
    for s in statements:
        assert s.last <= s.issued_at <= demo_day, s
        if s.validated_at:
            assert s.issued_at <= s.validated_at <= demo_day, s
        if s.sent_at:
            assert s.validated_at <= s.sent_at, s
        if s.paid_at:
            assert timezone.localtime(s.sent_at).date() <= s.paid_at <= demo_day.date(), s
    months = set(Redemption.objects.dates("redeemed_at", "month"))
    assert len(months) >= 3  # redemptions spread over the months


def test_the_radar_shows_chequebooks_never_started_and_a_late_referral(demo_day):
    cutoff = demo_day - datetime.timedelta(days=settings.PASSNUM_RADAR_NOT_STARTED_DAYS)
    never_started = Chequebook.objects.filter(handed_out_at__lt=cutoff).exclude(
        cheques__redemption__isnull=False
    )
    assert never_started.count() >= 2
    data = dashboard_data(Filters(), today=timezone.localdate())
    assert sum(r["not_started"] for r in data["radar"]) >= 2
    assert data["referrals_overdue"] >= 1
    # Hand-overs spread over the months before their redemptions.
    assert len(set(Chequebook.objects.dates("handed_out_at", "month"))) >= 3


def test_the_programme_covers_its_vintages_and_the_apa_is_an_allocation(demo_day):
    programme = Programme.objects.get()
    years = set(Vintage.objects.values_list("year", flat=True))
    assert programme.start_year <= min(years) and max(years) <= programme.end_year
    assert timezone.localdate().year in years
    assert TargetPublic.objects.get(code="cd12-apa").label == APA_LABEL
    assert "Allocation personnalisée d'autonomie" in APA_LABEL
    assert not Beneficiary.objects.filter(created_at__gt=demo_day).exists()
