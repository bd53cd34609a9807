from allauth.mfa.models import Authenticator


def user_must_set_up_mfa(*, user) -> bool:
    """Rule: when PASSNUM_REQUIRE_MFA is on, a programme manager or an organisation admin
    (any active membership with those roles) must have a TOTP authenticator."""
    from passnum.organisations.models import Role

    needs = user.memberships.filter(
        is_active=True, role__in=[Role.PROGRAMME_MANAGER, Role.ORG_ADMIN]
    ).exists()
    if not needs:
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
