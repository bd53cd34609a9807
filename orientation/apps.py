from django.apps import AppConfig


class OrientationConfig(AppConfig):
    name = "orientation"
    label = "orientation"
    verbose_name = "Orientation"

    def ready(self):
        from . import journal  # noqa: F401  (declares the journal's events)
