"""Fixtures for the whole suite.

- ``postgres``: tests that need PostgreSQL (row locks, triggers, real concurrency) use the
  ``postgres`` marker; on SQLite they are skipped with that reason.
- ``login``: logs a membership's person in on the test client, acting for that membership.
- Browser tests live in tests/browser and use the fixtures of tests/browser/conftest.py.
"""

import sys
from pathlib import Path

import pytest
from django.conf import settings as settings_module
from django.db import connection
from django.template.base import Node
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


# --- Undefined template variables fail the test -------------------------------------------------

PROJECT_TEMPLATES = settings_module.BASE_DIR / "templates"

#: Overrides of a third party's templates, rendered with that party's context, where a missing
#: variable is part of the contract (allauth's elements pass only the attributes they have).
THIRD_PARTY_OVERRIDES = [PROJECT_TEMPLATES / "allauth"]


def _rendering_node(frame):
    """The template node being rendered above ``frame`` (it knows its template and line)."""
    while frame is not None:
        node = frame.f_locals.get("self")
        if isinstance(node, Node) and getattr(node, "origin", None) is not None:
            return node
        frame = frame.f_back
    return None


def _held_to_defined_variables(node) -> bool:
    if node is None:
        return False
    path = Path(str(node.origin.name))
    return path.is_relative_to(PROJECT_TEMPLATES) and not any(
        path.is_relative_to(other) for other in THIRD_PARTY_OVERRIDES
    )


class InvalidTemplateVariable(str):
    """``string_if_invalid`` for the tests (the les-emplois idiom): Django formats it with the
    variable it could not resolve (``"%s" in string_if_invalid``, then ``%``), and formatting
    raises. Only the project's own templates are held to it, and a ``|default:`` filter is the
    template saying the variable may be missing; anywhere else the variable resolves as Django
    does by default (an empty string, then the filters)."""

    def __mod__(self, variable):
        frame = sys._getframe(1)
        expression, context = frame.f_locals["self"], frame.f_locals["context"]
        node = _rendering_node(frame)
        tolerated = any(func.__name__ == "default" for func, _ in expression.filters)
        if _held_to_defined_variables(node) and not tolerated:
            line = node.token.lineno if node.token else "?"
            raise AssertionError(
                f"Undefined template variable {variable} in {node.origin.name}, line {line}"
            )
        engine = context.template.engine
        engine.string_if_invalid = ""
        try:
            return expression.resolve(context)
        finally:
            engine.string_if_invalid = self


@pytest.fixture(autouse=True)
def _undefined_template_variables_fail(request, settings):
    """A project template that names a variable its context lacks fails the test. Browser
    tests are left alone (their server renders in another thread)."""
    if "browser" in request.keywords:
        yield
        return
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [
        {
            **engine,
            "OPTIONS": {**engine["OPTIONS"], "string_if_invalid": InvalidTemplateVariable("%s")},
        },
        *settings.TEMPLATES[1:],
    ]
    yield
