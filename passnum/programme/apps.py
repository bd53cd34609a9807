from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "passnum.programme"
    label = "programme"
    verbose_name = "Programme"

    def ready(self):
        from . import journal  # noqa: F401  (declares the journal's events)
