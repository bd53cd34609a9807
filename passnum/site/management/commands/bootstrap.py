"""``manage.py bootstrap --email EMAIL``: from an empty (migrated) database to a programme
ready to run and an invitation for its first programme manager (README "Deploying")."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from orientation.services import questionnaire_default_create
from passnum.organisations.services import (
    invitation_create_first_manager,
    invitation_link,
    owner_organisation_ensure,
)
from passnum.programme.models import Vintage
from passnum.programme.services import programme_load_current, vintages_current_years


class Command(BaseCommand):
    help = (
        "Installe le programme : données de référence (communes, EPCI, services, publics "
        "cibles, programme de l'Aveyron), millésime en cours (et suivant dès le 1er décembre), "
        "Conseil départemental, invitation du premier gestionnaire (lien en dernière ligne). "
        "Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="e-mail du premier gestionnaire")

    def handle(self, *args, email, **options):
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("La base n'est pas à jour : lancez d'abord « manage.py migrate ».")
        email = email.strip().lower()
        if "@" not in email:
            raise CommandError(f"Adresse e-mail invalide : {email}")

        programme = programme_load_current()
        years = vintages_current_years(timezone.localdate())
        vintages = Vintage.objects.filter(year__in=years).order_by("year")
        self.stdout.write(
            f"Programme « {programme.name} » ({programme.start_year}-{programme.end_year}), "
            "communes, EPCI, services et publics cibles : en place."
        )
        self.stdout.write(
            "Millésime(s) prêt(s) pour une impression : "
            + ", ".join(
                f"{v.year} (valable du {v.valid_from:%d/%m/%Y} au {v.valid_until:%d/%m/%Y})"
                for v in vintages
            )
        )
        questionnaire_default_create()
        self.stdout.write("Questionnaire de pré-évaluation : en service.")
        owner, created = owner_organisation_ensure()
        self.stdout.write(f"{owner.name} : {'créé' if created else 'déjà présent'}.")

        result = invitation_create_first_manager(organisation=owner, email=email)
        if result is None:
            self.stdout.write(
                f"Aucune invitation : {email} est déjà gestionnaire du programme "
                "(il se connecte à /compte/login/)."
            )
            return
        _invitation, token = result
        self.stdout.write(
            f"Invitation envoyée par e-mail à {email} (gestionnaire du programme). "
            "Lien d'invitation (usage unique) :"
        )
        self.stdout.write(invitation_link(token))
