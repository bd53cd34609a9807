import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache

from passnum.audit.events import Event
from passnum.core.http import client_ip
from passnum.organisations.models import Role

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
