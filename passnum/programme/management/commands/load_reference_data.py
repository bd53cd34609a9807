from django.core.management.base import BaseCommand

from passnum.programme.services import programme_load_aveyron


class Command(BaseCommand):
    help = "Charge les communes, EPCI, services, publics cibles et le programme de l'Aveyron."

    def handle(self, *args, **options):
        programme_load_aveyron()
        self.stdout.write(self.style.SUCCESS("Données de référence chargées."))
