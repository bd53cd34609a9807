from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "passnum.organisations"
    label = "organisations"
    verbose_name = "Organisations"

    def ready(self):
        from . import journal  # noqa: F401  (declares the journal's events)
