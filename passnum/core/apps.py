from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "passnum.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self):
        from . import journal  # noqa: F401  (registers the journal's sentences)
