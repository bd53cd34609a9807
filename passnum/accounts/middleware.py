import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from .services import proconnect_mfa_in_session, user_must_set_up_mfa

SESSION_LAST_SEEN = "passnum_last_seen"
#: The "last seen" time is written to the session at most this often (seconds): a request
#: within a minute of the last write changes nothing in the session, so it is not saved.
LAST_SEEN_RESOLUTION = 60


def session_seen(session, now=None) -> None:
    """Note in ``session`` that its person was seen ``now`` (seconds since the epoch)."""
    session[SESSION_LAST_SEEN] = int(time.time()) if now is None else now


class InactivityTimeoutMiddleware:
    """Ends the session after PASSNUM_SESSION_IDLE_SECONDS without a request.

    Rule: the time a session was last seen is written at most once every
    LAST_SEEN_RESOLUTION seconds (a session write is a database write); so a session may end
    up to that much before PASSNUM_SESSION_IDLE_SECONDS after its very last request, never
    after."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(SESSION_LAST_SEEN)
            if last is not None and now - last > settings.PASSNUM_SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(request, "Votre session a expiré après une période d'inactivité.")
                return redirect(f"{reverse('account_login')}?next={request.path}")
            if last is None or now - last >= LAST_SEEN_RESOLUTION:
                session_seen(request.session, now)
        return self.get_response(request)


class RequireMFAMiddleware:
    """When PASSNUM_REQUIRE_MFA is on, programme managers and organisation admins must set up
    two-factor authentication before anything else (unless ProConnect vouched for a second
    factor at this session's login: ``proconnect_mfa_in_session``). It reads the memberships
    the organisation middleware loaded (no query of its own), and the authenticators only for a
    person whose role needs them."""

    ALLOWED_PREFIXES = ("/compte/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PASSNUM_REQUIRE_MFA
            and request.user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not proconnect_mfa_in_session(request)
            and user_must_set_up_mfa(
                user=request.user, memberships=getattr(request, "memberships_all", None)
            )
        ):
            messages.info(
                request,
                "Votre rôle demande la double authentification : activez une application "
                "d'authentification pour continuer.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
