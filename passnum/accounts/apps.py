from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "passnum.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self):
        from . import (
            journal,  # noqa: F401  (registers the journal's sentences)
            receivers,  # noqa: F401  (journals allauth's security events)
        )
