from allauth.mfa.models import Authenticator

from passnum.audit.events import Event
from passnum.organisations.models import Role


def user_must_set_up_mfa(*, user) -> bool:
    """Rule: when PASSNUM_REQUIRE_MFA is on, a programme manager or an organisation admin
    (any active membership with those roles) must have a TOTP authenticator."""
    needs = user.memberships.filter(
        is_active=True, role__in=[Role.PROGRAMME_MANAGER, Role.ORG_ADMIN]
    ).exists()
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
