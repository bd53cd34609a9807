"""Fixtures for the whole suite.

- ``postgres``: tests that need PostgreSQL (row locks, triggers, real concurrency) use the
  ``postgres`` marker; on SQLite they are skipped with that reason.
- ``login``: logs a membership's person in on the test client, acting for that membership.
- Browser tests live in tests/browser and use the fixtures of tests/browser/conftest.py.
"""

import pytest
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time

from passnum.organisations.middleware import SESSION_KEY


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
            item.add_marker(
                pytest.mark.skip(
                    reason="needs PostgreSQL (row locks and concurrency): set DATABASE_URL"
                )
            )


@pytest.fixture(autouse=True)
def _outside_the_freeze_fortnight(request):
    """Most tests hand out chequebooks of this year's vintage (the factories' default). From
    15 to 31 December that vintage's hand-over is frozen (the rule, read from the date), so on
    those days the tests run as on 1 December, the clock still ticking. Tests that set their
    own date with ``freeze_time`` are not affected. Browser tests are left at the real date:
    the browser's cookies follow the real clock, and the demo they use lifts the freeze."""
    today = timezone.localdate()
    if today.month == 12 and today.day >= 15 and "browser" not in request.keywords:
        with freeze_time(f"{today.year}-12-01 10:00", tick=True):
            yield
    else:
        yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reference_data(db):
    """Communes, EPCI, services, target publics, programme, envelopes and vintages."""
    from passnum.programme.services import programme_load_aveyron

    return programme_load_aveyron()


@pytest.fixture
def login(client):
    """``login(membership)`` logs its person in and makes it the current membership."""

    def _login(membership, the_client=None):
        c = the_client or client
        c.force_login(membership.user)
        session = c.session
        session[SESSION_KEY] = membership.pk
        session.save()
        return c

    return _login


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: login rate limits (allauth counts attempts in the
    cache, per IP and per account) and cached values never leak from one test to the next,
    with the local-memory cache as with Redis."""
    from django.core.cache import cache

    cache.clear()
    yield
