from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "passnum.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self):
        from . import (
            journal,  # noqa: F401  (declares the journal's events)
            receivers,  # noqa: F401  (journals allauth's security events)
        )
