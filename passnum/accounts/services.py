from allauth.mfa.models import Authenticator

from passnum.audit.events import Event
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
