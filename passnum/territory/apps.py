from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "passnum.territory"
    label = "territory"
    verbose_name = "Territoire"
