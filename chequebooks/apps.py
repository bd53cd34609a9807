from django.apps import AppConfig


class ChequebooksConfig(AppConfig):
    name = "chequebooks"
    label = "chequebooks"
    verbose_name = "Chéquiers"

    def ready(self):
        from . import journal  # noqa: F401  (registers the journal's sentences)
