"""The scale generator builds a consistent programme (checked at a small size)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from chequebooks.models import Cheque, Chequebook
from chequebooks.states import REDEEMED_STATES
from mediation.models import Redemption
from reporting.selectors import Filters, dashboard_data
from reporting.summaries import summaries_refresh


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_generate_scale_builds_a_consistent_programme():
    from passnum.programme.services import programme_load_aveyron

    programme_load_aveyron()
    call_command("generate_scale", cheques=3000, stdout=io.StringIO())
    assert Chequebook.objects.count() == 300
    assert Cheque.objects.count() == 3000
    # One redemption per used cheque, never more.
    assert Redemption.objects.count() == Cheque.objects.filter(state__in=REDEEMED_STATES).count()
    summaries_refresh()
    funnel = dashboard_data(Filters())["funnel"]
    assert funnel["bought"] == 300
    assert 0 < funnel["started"] < funnel["handed_out"] < funnel["bought"]
    assert 0 < funnel["rate"] < 1
    # Running it again replaces the generated programme instead of adding to it.
    call_command("generate_scale", cheques=2000, stdout=io.StringIO())
    assert Chequebook.objects.count() == 200


@pytest.mark.django_db
def test_generate_scale_refuses_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("checks the refusal on SQLite")
    with pytest.raises(CommandError, match="ne fonctionne que sur PostgreSQL"):
        call_command("generate_scale", cheques=10)
