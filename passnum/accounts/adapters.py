from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model

from passnum.core.http import client_ip

from .services import login_unknown_failure_count, login_unknown_failures_exceeded


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
