from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "passnum.people"
    label = "people"
    verbose_name = "Personnes"
