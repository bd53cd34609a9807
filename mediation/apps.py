from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "mediation"
    label = "mediation"
    verbose_name = "Médiation"

    def ready(self):
        from . import journal  # noqa: F401  (declares the journal events)
