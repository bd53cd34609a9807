from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    label = "reporting"
    verbose_name = "Pilotage"

    def ready(self):
        from . import journal  # noqa: F401  (registers the journal's sentences)
