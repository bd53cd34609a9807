from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "passnum.directory"
    label = "directory"
    verbose_name = "Annuaire de la médiation"
