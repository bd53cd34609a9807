"""Issue 15, ProConnect end to end: a real OpenID Connect provider (oidc-provider-mock) runs
on a local port, started by the test; passnum is configured to use it as ProConnect. A known
e-mail gets in (and the match is journaled), an unknown one is refused, and logging out ends
both sessions (passnum's, then ProConnect's through its end_session_endpoint)."""

import os
from urllib.parse import parse_qs, urlparse

import pytest

from passnum.audit.models import JournalEntry
from passnum.settings.base import csp_with_issuer, proconnect_providers

pytestmark = pytest.mark.browser

KNOWN = "gestionnaire@demo.passnum.fr"


@pytest.fixture
def provider():
    """The local OpenID provider: one agent whose e-mail is a demo account's, and whose login
    ProConnect says was made with a second factor."""
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # the provider runs over plain HTTP locally
    from oidc_provider_mock import User, run_server_in_thread

    agent = User(
        sub="agent-gestionnaire",
        claims={"email": KNOWN, "usual_name": "Gestionnaire", "siret": "22120001800019",
                "amr": ["pwd", "mfa"]},
    )  # fmt: skip
    with run_server_in_thread(user_claims=[agent]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def proconnect(provider, settings, foundation):
    settings.PROCONNECT_ISSUER = provider
    settings.CONTENT_SECURITY_POLICY = csp_with_issuer(settings.CONTENT_SECURITY_POLICY, provider)
    settings.PROCONNECT_CLIENT_ID = "passnum-test"
    settings.PROCONNECT_CLIENT_SECRET = "secret-de-test"
    settings.SOCIALACCOUNT_PROVIDERS = proconnect_providers(
        provider, "passnum-test", "secret-de-test"
    )
    return provider


@pytest.fixture
def foundation(transactional_db):
    from django.core.cache import cache

    from passnum.programme.demo import demo_load_foundation

    cache.clear()
    return demo_load_foundation()


def test_a_known_email_gets_in_and_logout_ends_both_sessions(page, proconnect, check_a11y):
    page.goto("/compte/login/")
    check_a11y(page, "i15-login-proconnect")
    page.get_by_role("button", name="S'identifier avec ProConnect").click()
    page.wait_for_url(f"{proconnect}/**")
    page.get_by_role("button", name="agent-gestionnaire").click()
    page.wait_for_url("**/")
    assert "Bonjour" in page.get_by_role("heading", level=1).inner_text()
    entry = JournalEntry.objects.get(action="accounts.proconnect.matched")
    assert entry.actor.email == KNOWN and KNOWN in entry.sentence

    page.goto("/compte/profil/")
    assert "relié à votre identité ProConnect" in page.get_by_role("main").inner_text()
    check_a11y(page, "i15-profile-proconnect")

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{proconnect}/oauth2/end_session**")
    query = parse_qs(urlparse(page.url).query)
    assert query["id_token_hint"][0].count(".") == 2  # the ID token ProConnect issued
    assert query["post_logout_redirect_uri"][0].endswith("/compte/login/")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url("**/compte/login/**")
    # passnum's session is over too.
    page.goto("/pilotage/")
    assert "/compte/login/" in page.url


def test_an_unknown_email_is_refused(page, proconnect, check_a11y):
    page.goto("/compte/login/")
    page.get_by_role("button", name="S'identifier avec ProConnect").click()
    page.wait_for_url(f"{proconnect}/**")
    page.get_by_placeholder("sub").fill("inconnu@exemple.gouv.fr")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url("**/compte/proconnect/retour/**")
    assert "refusée" in page.get_by_role("heading", level=1).inner_text()
    assert "inconnu@exemple.gouv.fr" in page.get_by_role("main").inner_text()
    check_a11y(page, "i15-proconnect-refused")
    assert JournalEntry.objects.filter(action="accounts.proconnect.refused").count() == 1
    page.goto("/pilotage/")
    assert "/compte/login/" in page.url
