"""Issue 15, ProConnect's rules without a provider: off without settings; who gets in (an
account or an invitation with the same e-mail); when the login counts as MFA. The whole flow
against a real OpenID provider is tests/browser/test_i15_proconnect.py."""

import pytest
from django.urls import reverse

from passnum.accounts.models import User
from passnum.accounts.services import proconnect_account_for, proconnect_mfa_satisfied
from passnum.organisations.models import Membership, Role
from passnum.organisations.services import invitation_create
from passnum.settings.base import proconnect_providers
from tests.factories import FrontDeskFactory, UserFactory, manager_membership

pytestmark = pytest.mark.django_db


def test_proconnect_is_off_without_settings(client, settings):
    settings.PROCONNECT_ISSUER = settings.PROCONNECT_CLIENT_ID = ""
    settings.PROCONNECT_CLIENT_SECRET = ""
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert "ProConnect" not in client.get(reverse("account_login")).content.decode()
    assert client.post(reverse("accounts:proconnect_login")).status_code == 404
    assert client.get(reverse("accounts:proconnect_callback")).status_code == 404
    assert client.post("/compte/oidc/proconnect/login/").status_code == 404


def test_proconnect_is_on_with_its_three_settings(client, settings):
    settings.PROCONNECT_ISSUER = "https://proconnect.example"
    settings.PROCONNECT_CLIENT_ID, settings.PROCONNECT_CLIENT_SECRET = "client", "secret"
    settings.SOCIALACCOUNT_PROVIDERS = proconnect_providers(
        "https://proconnect.example", "client", "secret"
    )
    html = client.get(reverse("account_login")).content.decode()
    assert "S&#x27;identifier avec <strong>ProConnect</strong>" in html or (
        "S'identifier avec <strong>ProConnect</strong>" in html
    )
    app = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    assert app["settings"]["scope"] == ["openid", "email", "given_name", "usual_name", "siret"]
    # One setting missing: off.
    settings.PROCONNECT_CLIENT_SECRET = ""
    assert "ProConnect" not in client.get(reverse("account_login")).content.decode()


@pytest.mark.parametrize(
    "claims,satisfied",
    [
        ({"amr": ["pwd", "mfa"]}, True),
        ({"amr": "pwd mfa"}, True),
        ({"acr": "eidas2"}, True),
        ({"acr": "https://proconnect.gouv.fr/assurance/consistency-checked-2fa"}, True),
        ({"acr": "eidas1", "amr": ["pwd"]}, False),
        ({}, False),
    ],
)
def test_proconnect_counts_as_mfa_only_if_the_provider_says_so(claims, satisfied):
    assert proconnect_mfa_satisfied(claims) is satisfied


def test_an_existing_account_gets_in_case_ignored():
    user = UserFactory(email="agent@example.org")
    assert proconnect_account_for(email="Agent@Example.org", claims={}) == (user, "compte existant")


def test_a_deactivated_account_or_an_unknown_address_is_refused():
    UserFactory(email="parti@example.org", is_active=False)
    assert proconnect_account_for(email="parti@example.org", claims={}) == (None, "")
    assert proconnect_account_for(email="inconnu@example.org", claims={}) == (None, "")
    assert proconnect_account_for(email="", claims={}) == (None, "")


def test_a_pending_invitation_makes_the_account_and_accepts_it():
    desk = FrontDeskFactory()
    invitation, _ = invitation_create(
        organisation=desk, email="nouvelle@example.org", role=Role.EVALUATOR,
        by=manager_membership(),
    )  # fmt: skip
    user, how = proconnect_account_for(
        email="nouvelle@example.org", claims={"given_name": "Inès", "usual_name": "Martin"}
    )
    assert how == "invitation acceptée"
    assert (user.first_name, user.last_name, user.has_usable_password()) == (
        "Inès",
        "Martin",
        False,
    )
    assert Membership.objects.get(user=user).organisation == desk
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert User.objects.filter(email__iexact="nouvelle@example.org").count() == 1


def test_the_totp_code_is_skipped_only_after_a_proconnect_login_vouched_for_mfa(rf):
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.core.context import request_context

    from passnum.accounts.adapters import MFA_STAGE, AccountAdapter
    from passnum.accounts.services import PROCONNECT_MFA_SESSION_KEY

    request = rf.get("/")
    request.session = {}
    with request_context(request):
        assert MFA_STAGE in AccountAdapter().get_login_stages()
        request.session[PROCONNECT_MFA_SESSION_KEY] = False
        assert MFA_STAGE in AccountAdapter().get_login_stages()
        # Flagged, but no ProConnect authentication recorded (a refused or abandoned answer,
        # then a password login): the code is still asked.
        request.session[PROCONNECT_MFA_SESSION_KEY] = True
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "password"}]
        assert MFA_STAGE in AccountAdapter().get_login_stages()
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "socialaccount", "provider": "proconnect", "uid": "x"}
        ]
        assert MFA_STAGE not in AccountAdapter().get_login_stages()


def test_the_mfa_set_up_is_not_asked_after_a_proconnect_mfa_login(client, login, settings):
    from passnum.accounts.services import PROCONNECT_MFA_SESSION_KEY

    settings.PASSNUM_REQUIRE_MFA = True
    login(manager_membership())
    assert client.get("/organisations/").url == reverse("mfa_activate_totp")
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    session = client.session
    session[PROCONNECT_MFA_SESSION_KEY] = True
    session.save()
    assert client.get("/organisations/").url == reverse("mfa_activate_totp")
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "socialaccount", "provider": "proconnect", "uid": "x"}
    ]
    session.save()
    assert client.get("/organisations/").status_code == 200


def test_the_csp_lets_the_login_form_go_to_the_issuer_only_when_proconnect_is_on():
    from passnum.settings.base import csp_with_issuer

    policy = {"DIRECTIVES": {"form-action": ["'self'"], "script-src": ["'self'"]}}
    on = csp_with_issuer(policy, "https://auth.agentconnect.gouv.fr/api/v2")
    assert on["DIRECTIVES"]["form-action"] == ["'self'", "https://auth.agentconnect.gouv.fr"]
    assert policy["DIRECTIVES"]["form-action"] == ["'self'"]  # the setting itself is unchanged
    assert csp_with_issuer(policy, "") is policy
