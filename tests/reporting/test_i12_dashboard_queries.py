"""The dashboard's query count under production settings (issue 12): every middleware,
two-factor authentication required (the manager has set it up), DEBUG off. README states
this count: the test reads it there too, so the two cannot drift apart."""

import re
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from reporting.summaries import summaries_refresh

pytestmark = pytest.mark.django_db

#: SQL queries of one dashboard request by a programme manager, under production settings,
#: once the session is warm (the request after the first). The one place this number lives:
#: README's "Reporting" section must state it ("N queries with production settings").
# 37, plus issue 15: the breakdown by front-desk type (1) and the calls and payments (2);
# then 38: the impact figures read one tally (ImpactTally) instead of three live queries.
DASHBOARD_QUERIES_PRODUCTION = 38


def _production_client(small, login):
    summaries_refresh(as_of=small.today)
    Authenticator.objects.create(user=small.manager.user, type=Authenticator.Type.TOTP, data={})
    return login(small.manager)


@override_settings(PASSNUM_REQUIRE_MFA=True, DEBUG=False)
def test_dashboard_query_count_under_production_settings(small, login, django_assert_num_queries):
    client = _production_client(small, login)
    url = reverse("reporting:dashboard")
    assert client.get(url).status_code == 200  # warm-up: the session's first request
    with django_assert_num_queries(DASHBOARD_QUERIES_PRODUCTION):
        response = client.get(url)
    assert response.status_code == 200 and "Tableau de bord" in response.content.decode()


def test_the_test_runs_the_production_middleware():
    """Production adds no middleware of its own (it would count here): if it ever does,
    override MIDDLEWARE above with it."""
    production = Path(settings.BASE_DIR, "passnum", "settings", "production.py").read_text()
    assert "MIDDLEWARE" not in production
    assert "passnum.accounts.middleware.RequireMFAMiddleware" in settings.MIDDLEWARE


def test_readme_states_the_tested_count():
    readme = Path(settings.BASE_DIR, "README.md").read_text()
    stated = re.findall(r"(\d+) queries\s+with\s+production\s+settings", readme)
    assert stated and {int(n) for n in stated} == {DASHBOARD_QUERIES_PRODUCTION}, stated
