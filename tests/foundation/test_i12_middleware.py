"""Issue 12: the middleware costs what it must. The "last seen" time is written at most once a
minute per session; the memberships are read once per request (no second read of the user);
the MFA requirement costs no query when the person's roles do not need it."""

import datetime

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from passnum.accounts.middleware import LAST_SEEN_RESOLUTION, SESSION_LAST_SEEN
from passnum.organisations.middleware import SESSION_KEY
from passnum.organisations.models import Role
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    evaluator_membership,
    manager_membership,
    mediator_membership,
)

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, [q["sql"] for q in captured]


def _session_writes(sqls):
    return [s for s in sqls if s.startswith("UPDATE") and "django_session" in s]


def test_last_seen_is_written_at_most_once_a_minute(client, login):
    membership = evaluator_membership()
    url = reverse("home")
    with freeze_time("2026-03-02 10:00:00") as clock:
        login(membership)
        client.get(url)
        seen = client.session[SESSION_LAST_SEEN]
        for _ in range(3):
            clock.tick(datetime.timedelta(seconds=15))
            response, sqls = _queries(client, url)
            assert response.status_code == 200
            assert not _session_writes(sqls)
        assert client.session[SESSION_LAST_SEEN] == seen
        clock.tick(datetime.timedelta(seconds=LAST_SEEN_RESOLUTION - 45))
        response, sqls = _queries(client, url)
        assert len(_session_writes(sqls)) == 1
        assert client.session[SESSION_LAST_SEEN] == seen + LAST_SEEN_RESOLUTION


def test_the_login_itself_notes_the_last_seen_time(client):
    membership = evaluator_membership()
    client.force_login(membership.user)
    assert SESSION_LAST_SEEN in client.session
    response, sqls = _queries(client, reverse("home"))
    assert response.status_code == 200 and not _session_writes(sqls)


def test_idle_sessions_still_end(client, login, settings):
    settings.PASSNUM_SESSION_IDLE_SECONDS = 600
    membership = evaluator_membership()
    with freeze_time("2026-03-02 10:00:00") as clock:
        login(membership)
        client.get(reverse("home"))
        clock.tick(datetime.timedelta(seconds=30))
        client.get(reverse("home"))  # not written: seen at 10:00:00 still
        clock.tick(datetime.timedelta(seconds=571))
        response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def _membership_reads(sqls):
    return [s for s in sqls if 'FROM "organisations_membership"' in s]


def test_the_memberships_are_read_once_without_the_user(client, login):
    """One query gives the current membership, the switcher's list and the MFA roles; it
    does not join the user again (AuthenticationMiddleware has read it)."""
    first = evaluator_membership()
    second = MembershipFactory(user=first.user, organisation=OrganisationFactory(name="Zèbre"))
    login(first)
    response, sqls = _queries(client, reverse("home"))
    assert response.status_code == 200
    reads = _membership_reads(sqls)
    assert len(reads) == 1, reads
    assert '"accounts_user"' not in reads[0]
    request = response.wsgi_request
    assert request.membership == first and request.membership.user is request.user
    assert {m.pk for m in request.memberships} == {first.pk, second.pk}


def test_the_chosen_membership_and_an_inactive_organisation(client, login):
    first = evaluator_membership()
    second = MembershipFactory(user=first.user, organisation=OrganisationFactory(name="Zèbre"))
    login(first)
    session = client.session
    session[SESSION_KEY] = second.pk
    session.save()
    assert client.get(reverse("home")).wsgi_request.membership == second
    second.organisation.is_active = False
    second.organisation.save()
    request = client.get(reverse("home")).wsgi_request
    assert request.membership == first
    assert [m.pk for m in request.memberships] == [first.pk]


def _mfa_reads(sqls):
    return [s for s in sqls if "mfa_authenticator" in s]


def test_mfa_costs_no_query_when_the_role_does_not_need_it(client, login, settings):
    settings.PASSNUM_REQUIRE_MFA = True
    login(mediator_membership(role=Role.MEDIATOR))
    response, sqls = _queries(client, reverse("home"))
    assert response.status_code == 200
    assert not _mfa_reads(sqls)


def test_mfa_is_still_required_of_admins_and_read_once(client, login, settings):
    settings.PASSNUM_REQUIRE_MFA = True
    manager = manager_membership()
    login(manager)
    response, sqls = _queries(client, reverse("home"))
    assert response.status_code == 302 and len(_mfa_reads(sqls)) == 1
    Authenticator.objects.create(user=manager.user, type=Authenticator.Type.TOTP, data={})
    response, sqls = _queries(client, reverse("home"))
    assert response.status_code == 200 and len(_mfa_reads(sqls)) == 1


def test_an_admin_role_in_an_inactive_organisation_still_needs_mfa(client, login, settings):
    """The rule (user_must_set_up_mfa) counts every active membership, as before."""
    settings.PASSNUM_REQUIRE_MFA = True
    evaluator = evaluator_membership()
    admin = mediator_membership(user=evaluator.user, role=Role.ORG_ADMIN)
    admin.organisation.is_active = False
    admin.organisation.save()
    login(evaluator)
    assert client.get(reverse("home")).status_code == 302
