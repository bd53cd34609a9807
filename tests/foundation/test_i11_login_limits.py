"""Login limits that cannot be turned against users (issue 11): per account they stay; per
address only failures on unknown e-mails count, and a correct password is never refused because
of others' failures from the same address; the client's address is the socket's unless proxies
of ours are trusted (a spoofed X-Forwarded-For changes nothing)."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from passnum.core.http import client_ip
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-de-test"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _post(client, email, password, **meta):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **meta)


def test_a_correct_login_passes_after_many_failures_on_unknown_accounts_from_its_address(client):
    user = UserFactory(email="agent@example.org")
    MembershipFactory(user=user)
    for i in range(30):
        _post(client, f"inconnu{i}@example.org", "mauvais", REMOTE_ADDR="192.0.2.10")
    refused = _post(client, "encore@example.org", "mauvais", REMOTE_ADDR="192.0.2.10")
    assert "Trop de tentatives" in refused.content.decode()
    response = _post(client, user.email, PASSWORD, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_correct_login_passes_after_many_failures_on_other_accounts_from_its_address(client):
    """A whole front desk behind one NAT: 4 failures on each of 10 colleagues' accounts (40
    from one address) lock out nobody, not even those colleagues."""
    colleagues = [UserFactory(email=f"collegue{i}@example.org") for i in range(10)]
    for colleague in colleagues:
        for _ in range(4):
            _post(client, colleague.email, "mauvais", REMOTE_ADDR="192.0.2.20")
    agent = UserFactory(email="agent2@example.org")
    assert _post(client, agent.email, PASSWORD, REMOTE_ADDR="192.0.2.20").status_code == 302
    client.logout()
    assert _post(client, colleagues[0].email, PASSWORD, REMOTE_ADDR="192.0.2.20").status_code == 302


def test_the_per_account_limit_stays_whatever_the_address(client):
    user = UserFactory(email="visee@example.org")
    for i in range(5):
        _post(client, user.email, "mauvais", REMOTE_ADDR=f"198.51.100.{i + 1}")
    response = _post(client, user.email, PASSWORD, REMOTE_ADDR="198.51.100.99")
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives" in response.content.decode()


def test_with_no_trusted_proxy_a_spoofed_forwarded_for_changes_nothing(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for i in range(21):
        _post(
            client, f"x{i}@example.org", "mauvais",
            REMOTE_ADDR="192.0.2.30", HTTP_X_FORWARDED_FOR=f"203.0.113.{i + 1}",
        )  # fmt: skip
    # The header did not spread the count: the socket's address is told to wait...
    blocked = _post(
        client, "y@example.org", "mauvais",
        REMOTE_ADDR="192.0.2.30", HTTP_X_FORWARDED_FOR="203.0.113.200",
    )  # fmt: skip
    assert "Trop de tentatives" in blocked.content.decode()
    # ... and another socket claiming to be that address is not.
    other = _post(
        client, "z@example.org", "mauvais",
        REMOTE_ADDR="192.0.2.31", HTTP_X_FORWARDED_FOR="192.0.2.30",
    )  # fmt: skip
    assert "Trop de tentatives" not in other.content.decode()


@pytest.mark.parametrize(
    "count, remote, forwarded, expected",
    [
        (0, "192.0.2.1", "", "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.9", "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.9, 198.51.100.1", "192.0.2.1"),
        (1, "10.0.0.1", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # the client wrote 1.2.3.4
        (2, "10.0.0.1", "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "10.0.0.1", "203.0.113.9", "10.0.0.1"),  # fewer than trusted: the socket's
        (1, "10.0.0.1", "pas-une-adresse", "10.0.0.1"),
        (1, "10.0.0.1", "", "10.0.0.1"),
        (1, "10.0.0.1", "[2001:db8::1]:443", "2001:db8::1"),
        (0, "", "203.0.113.9", "0.0.0.0"),
    ],
)
def test_client_ip(settings, count, remote, forwarded, expected):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == expected


def test_the_login_limits_read_the_same_client_address(rf):
    from allauth.account.adapter import get_adapter

    request = rf.get("/", REMOTE_ADDR="192.0.2.77", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert get_adapter().get_client_ip(request) == client_ip(request) == "192.0.2.77"
