import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from passnum.audit.events import Event
from passnum.core.http import client_ip
from passnum.organisations.models import Role
from passnum.organisations.selectors import invitations_pending
from passnum.organisations.services import invitation_accept

from . import journal
from .models import User

MFA_ROLES = (Role.PROGRAMME_MANAGER, Role.ORG_ADMIN)


def user_must_set_up_mfa(*, user, memberships=None) -> bool:
    """Rule: when PASSNUM_REQUIRE_MFA is on, a programme manager or an organisation admin
    (any active membership with those roles) must have a TOTP authenticator.

    ``memberships``: the person's active memberships already loaded (the middleware's), read
    instead of the database; the authenticators are read only when a role needs them."""
    if memberships is None:
        needs = user.memberships.filter(is_active=True, role__in=MFA_ROLES).exists()
    else:
        needs = any(m.is_active and m.role in MFA_ROLES for m in memberships)
    if not needs:
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def account_security_event_record(event: Event, *, user, request=None, **details) -> None:
    """Rule: the security events of an account (login, password changed or reset, two-factor
    authentication set up or removed) are journaled, with the organisation the person acted
    for when there was one."""
    event.record(
        actor=user, organisation=getattr(request, "organisation", None), target=user, **details
    )


# --- ProConnect ---------------------------------------------------------------------------------

#: The session's record of a ProConnect login: whether its provider vouched for a second
#: factor, and what logging out needs (the ID token and the provider's end_session_endpoint).
PROCONNECT_MFA_SESSION_KEY = "passnum_proconnect_mfa"
PROCONNECT_LOGOUT_SESSION_KEY = "passnum_proconnect_logout"


def proconnect_enabled() -> bool:
    """Rule: ProConnect is offered only when its issuer, client id and secret are all set
    (``PASSNUM_PROCONNECT_*``); without them the button and its pages do not exist."""
    return bool(
        settings.PROCONNECT_ISSUER and settings.PROCONNECT_CLIENT_ID
        and settings.PROCONNECT_CLIENT_SECRET
    )  # fmt: skip


def proconnect_mfa_satisfied(claims: dict) -> bool:
    """Rule: a ProConnect login counts as the second factor only if the provider says so in
    the ID token: ``amr`` holds ``mfa`` (RFC 8176), or ``acr`` is one of
    ``PROCONNECT_MFA_ACR_VALUES``. Otherwise the usual rule applies (the TOTP code of one who
    set it up; the set-up required of managers and admins)."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = amr.split()
    return "mfa" in amr or claims.get("acr") in settings.PROCONNECT_MFA_ACR_VALUES


def proconnect_mfa_in_session(request) -> bool:
    """Whether this session's login is a ProConnect one that counts as MFA: the flag set when
    ProConnect answered (``proconnect_mfa_satisfied``) and allauth's record that the session's
    person did authenticate through ProConnect (a ProConnect answer refused or abandoned
    records nothing, so a password login afterwards in the same browser keeps its code)."""
    session = getattr(request, "session", None)
    if not session or not session.get(PROCONNECT_MFA_SESSION_KEY):
        return False
    return any(
        record.get("method") == "socialaccount"
        and record.get("provider") == settings.PROCONNECT_PROVIDER_ID
        for record in session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    )


def proconnect_account_for(*, email: str, claims: dict):
    """Rule: ProConnect lets in only a person who already has an active account with the same
    e-mail address (case ignored), or a pending invitation to it: the account is then created
    (names from ProConnect's ``given_name`` and ``usual_name``, no password) and the
    invitation accepted. Nobody signs up through ProConnect. Returns ``(user, how)``, or
    ``(None, "")`` when refused."""
    email = (email or "").strip()
    if not email:
        return None, ""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return (user, "compte existant") if user.is_active else (None, "")
    invitation = invitations_pending().filter(email__iexact=email).order_by("-created_at").first()
    if invitation is None:
        return None, ""
    with transaction.atomic():
        user = User.objects.create_user(
            email=invitation.email,
            first_name=(claims.get("given_name") or invitation.first_name or "").strip(),
            last_name=(claims.get("usual_name") or invitation.last_name or "").strip(),
        )
        invitation_accept(invitation=invitation)
    return user, "invitation acceptée"


def proconnect_refused_record(*, email: str) -> None:
    """Journal a refused ProConnect login (the address only; no account is involved)."""
    journal.PROCONNECT_REFUSED.record(actor=None, organisation=None, target=None, email=email)


def proconnect_matched_record(*, user, email: str, how: str) -> None:
    """Journal the first link of a ProConnect identity to an account (by its e-mail)."""
    journal.PROCONNECT_MATCHED.record(
        actor=user, organisation=None, target=user, email=email, how=how
    )


def _unknown_failures_key(request) -> str:
    window = settings.PASSNUM_LOGIN_UNKNOWN_FAILURES_SECONDS
    return f"passnum:login-unknown:{client_ip(request)}:{int(time.time() // window)}"


def login_unknown_failure_count(request) -> int:
    """Count one failed login on an unknown e-mail address from the client's address
    (``client_ip``), in a window of ``PASSNUM_LOGIN_UNKNOWN_FAILURES_SECONDS``."""
    key = _unknown_failures_key(request)
    cache.add(key, 0, settings.PASSNUM_LOGIN_UNKNOWN_FAILURES_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, settings.PASSNUM_LOGIN_UNKNOWN_FAILURES_SECONDS)
        return 1


def login_unknown_failures_exceeded(request) -> bool:
    """Rule: an address with more than ``PASSNUM_LOGIN_UNKNOWN_FAILURES_PER_IP`` failures on
    unknown e-mail addresses in its window is told to wait after each failure; failures on
    existing accounts count only against those accounts (allauth's per-key limit), so no one
    behind a shared address (a front desk's NAT) can lock out the others' correct logins."""
    return (
        cache.get(_unknown_failures_key(request), 0)
        > settings.PASSNUM_LOGIN_UNKNOWN_FAILURES_PER_IP
    )
