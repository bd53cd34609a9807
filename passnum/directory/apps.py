from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "passnum.directory"
    label = "directory"
    verbose_name = "Annuaire de la médiation"

    def ready(self):
        from . import journal  # noqa: F401  (declares the directory's journal events)
