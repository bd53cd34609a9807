from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: people join through an invitation (see organisations.services)."""

    def is_open_for_signup(self, request):
        return False
