import secrets
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.urls import reverse

from passnum.core.http import client_ip

from .services import (
    PROCONNECT_LOGOUT_SESSION_KEY,
    PROCONNECT_MFA_SESSION_KEY,
    login_unknown_failure_count,
    login_unknown_failures_exceeded,
    proconnect_account_for,
    proconnect_enabled,
    proconnect_matched_record,
    proconnect_mfa_in_session,
    proconnect_mfa_satisfied,
    proconnect_refused_record,
)

MFA_STAGE = "allauth.mfa.stages.AuthenticateStage"


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: people join through an invitation (see organisations.services).

    Login limits: per account, allauth's ``login_failed`` (``ACCOUNT_RATE_LIMITS``, 5 failures
    in 5 minutes per e-mail address, a correct password included); per address, only
    ``login_unknown_failures_exceeded`` (failures on e-mail addresses that have no account),
    which never refuses a correct password."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        return client_ip(request)

    def authentication_failed(self, request, **credentials):
        """A failure on an address without an account counts against the client's address; once
        over ``PASSNUM_LOGIN_UNKNOWN_FAILURES_PER_IP`` every further failure from it reads « too
        many attempts » (the same words for an unknown address as for a wrong password, so the
        limit tells no one which accounts exist)."""
        email = str(credentials.get("email") or credentials.get("username") or "")
        known = get_user_model().objects.filter(email__iexact=email.strip()).exists()
        if not known:
            login_unknown_failure_count(request)
        if login_unknown_failures_exceeded(request):
            raise self.validation_error("too_many_login_attempts")

    def get_login_stages(self):
        """A ProConnect login whose provider vouched for a second factor
        (``proconnect_mfa_satisfied``) skips the TOTP code; any other login keeps it."""
        stages = super().get_login_stages()
        if self.request is not None and proconnect_mfa_in_session(self.request):
            stages = [s for s in stages if s != MFA_STAGE]
        return stages

    def get_logout_redirect_url(self, request):
        """After a ProConnect login, logging out also ends the ProConnect session: to its
        ``end_session_endpoint`` with the ID token, back to the login page."""
        logout = request.session.get(PROCONNECT_LOGOUT_SESSION_KEY) or {}
        if proconnect_enabled() and logout.get("end_session_endpoint") and logout.get("id_token"):
            query = urlencode({
                "id_token_hint": logout["id_token"],
                "state": secrets.token_urlsafe(16),
                "post_logout_redirect_uri": build_absolute_uri(request, reverse("account_login")),
            })  # fmt: skip
            return f"{logout['end_session_endpoint']}?{query}"
        return super().get_logout_redirect_url(request)


class ProConnectOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, keeping what ending the ProConnect session at logout
    needs (the raw ID token, the provider's ``end_session_endpoint``) in the session."""

    def get_provider(self):
        # The provider builds its redirect with its adapter class: this one, so that the
        # callback comes back to passnum's own page (``accounts:proconnect_callback``).
        provider = super().get_provider()
        provider.oauth2_adapter_class = ProConnectOAuth2Adapter
        return provider

    def get_callback_url(self, request, app):
        return build_absolute_uri(request, reverse("accounts:proconnect_callback"))

    def complete_login(self, request, app, token, **kwargs):
        login = super().complete_login(request, app, token, **kwargs)
        request.session[PROCONNECT_LOGOUT_SESSION_KEY] = {
            "id_token": kwargs["response"].get("id_token", ""),
            "end_session_endpoint": self.openid_config.get("end_session_endpoint", ""),
        }
        return login


class ProConnectAdapter(DefaultSocialAccountAdapter):
    """ProConnect logins: no sign-up; an identity is let in only when it matches an account or
    an invitation by e-mail (``proconnect_account_for``); the match and the refusals are
    journaled; the provider's ``acr``/``amr`` decide whether the login counts as MFA."""

    def list_apps(self, request, provider=None, client_id=None):
        if not proconnect_enabled():
            return []
        return super().list_apps(request, provider=provider, client_id=client_id)

    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        claims = sociallogin.account.extra_data.get("id_token") or {}
        userinfo = sociallogin.account.extra_data.get("userinfo") or {}
        merged = {**userinfo, **claims}
        request.session[PROCONNECT_MFA_SESSION_KEY] = proconnect_mfa_satisfied(claims)
        if sociallogin.is_existing:
            if not sociallogin.user.is_active:
                raise ImmediateHttpResponse(_refusal(request, ""))
            return
        email = merged.get("email") or ""
        user, how = proconnect_account_for(email=email, claims=merged)
        if user is None:
            proconnect_refused_record(email=email)
            raise ImmediateHttpResponse(_refusal(request, email))
        sociallogin.connect(request, user)
        proconnect_matched_record(user=user, email=email, how=how)


def _refusal(request, email):
    request.session.pop(PROCONNECT_LOGOUT_SESSION_KEY, None)
    request.session.pop(PROCONNECT_MFA_SESSION_KEY, None)
    return render(request, "account/proconnect_refused.html", {"email": email}, status=403)
