"""allauth runs the login, password and MFA flows; these receivers journal their outcome
through accounts.services (the only place the rule lives)."""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from . import journal
from .middleware import session_seen
from .services import account_security_event_record

MFA_KINDS = {"totp": "application d'authentification", "recovery_codes": "codes de secours"}


@receiver(account_signals.user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    account_security_event_record(journal.USER_LOGGED_IN, user=user, request=request)


@receiver(auth_signals.user_logged_in)
def _session_seen_at_login(sender, request, user, **kwargs):
    """The login writes the session anyway: it carries the first "last seen" time, so the
    next request within a minute writes nothing."""
    if request is not None and hasattr(request, "session"):
        session_seen(request.session)


@receiver(account_signals.password_changed)
def _password_changed(sender, request, user, **kwargs):
    account_security_event_record(journal.PASSWORD_CHANGED, user=user, request=request)


@receiver(account_signals.password_reset)
def _password_reset(sender, request, user, **kwargs):
    account_security_event_record(journal.PASSWORD_RESET, user=user, request=request)


@receiver(mfa_signals.authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    account_security_event_record(
        journal.MFA_ADDED,
        user=user,
        request=request,
        kind=MFA_KINDS.get(authenticator.type, authenticator.type),
    )


@receiver(mfa_signals.authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    account_security_event_record(
        journal.MFA_REMOVED,
        user=user,
        request=request,
        kind=MFA_KINDS.get(authenticator.type, authenticator.type),
    )
