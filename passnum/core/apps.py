from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "passnum.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self):
        from .db import prepared_statements_setup

        connection_created.connect(prepared_statements_setup, dispatch_uid="passnum-prepared")
