from django.apps import AppConfig


class ChequebooksConfig(AppConfig):
    name = "chequebooks"
    label = "chequebooks"
    verbose_name = "Chéquiers"

    def ready(self):
        from . import journal  # noqa: F401  (declares the journal's typed events)
