from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "passnum.core"
    label = "core"
    verbose_name = "Socle"
