from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "passnum.audit"
    label = "audit"
    verbose_name = "Journal"

    def ready(self):
        from . import journal  # noqa: F401  (declares the journal's events)
