"""The demo programme shows redeemed cheques, activities and statements in every status,
whatever the month it is loaded in (a February load used to show only issued statements)."""

import pytest
from django.utils import timezone
from freezegun import freeze_time

from mediation.models import Activity, Redemption, Statement, StatementStatus
from passnum.site.demo import demo_load


@pytest.mark.django_db
@pytest.mark.parametrize("now", ["2026-12-01 10:00", "2027-02-15 10:00"])
def test_the_demo_has_statements_in_every_status(now):
    with freeze_time(now):
        demo_load()
        statuses = set(Statement.objects.values_list("status", flat=True))
        assert statuses == set(StatementStatus.values)
        assert Activity.objects.filter(redemptions__isnull=False).exists()
        assert Redemption.objects.filter(statement__isnull=True).exists()  # this month's
        today = timezone.localdate()
        for statement in Statement.objects.filter(status=StatementStatus.PAID):
            assert statement.period_start < statement.paid_at <= today
