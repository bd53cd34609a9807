from django.core.management.base import BaseCommand, CommandError

from passnum.organisations.models import Role
from passnum.programme.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from passnum.programme.state_demo import STATE_ACCOUNT
from passnum.site.demo import demo_load


class Command(BaseCommand):
    help = "Charge le programme de démonstration de l'Aveyron (idempotent, jamais en production)."

    def handle(self, *args, **options):
        try:
            demo_load(stdout=self.stdout)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Programme de démonstration chargé."))
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for email, _first, _last, _org, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:34} {role.label}")
        self.stdout.write(f"  {STATE_ACCOUNT[0]:34} {Role.STATE_OBSERVER.label}")
