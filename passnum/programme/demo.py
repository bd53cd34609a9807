"""The Aveyron demo programme: illustrative organisations, people and activity.

Each app adds its part in its own ``demo.py``; ``demo_load`` runs them in the order of
passnum.site.demo. Every step is idempotent. Organisations and people here are invented.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from passnum.accounts.models import User
from passnum.organisations.models import Organisation, OrganisationKind, Role
from passnum.organisations.services import membership_add
from passnum.territory.models import Commune, Epci, Side

from .models import Programme
from .services import programme_load_aveyron

DEMO_PASSWORD = "passnum-demo"


DEMO_ACCOUNTS = [
    ("gestionnaire@demo.passnum.fr", "Claire", "Gestionnaire", "cd12", Role.PROGRAMME_MANAGER),
    ("epci@demo.passnum.fr", "Marc", "Coordinateur", "epci_rodez", Role.EPCI_COORDINATOR),
    ("accueil@demo.passnum.fr", "Amina", "Accueil", "msd_rodez", Role.EVALUATOR),
    ("accueil.epci@demo.passnum.fr", "Julien", "Accueil", "ccas_rodez", Role.EVALUATOR),
    ("mediateur@demo.passnum.fr", "Sophie", "Médiatrice", "med_rouergue", Role.ORG_ADMIN),
]

# key, kind, name, side, EPCI name (for EPCI side / EPCI orgs), commune, address, phone
DEMO_ORGANISATIONS = [
    (
        "cd12",
        OrganisationKind.OWNER,
        "Conseil départemental de l'Aveyron",
        "",
        "",
        "Rodez",
        "Hôtel du Département, place Charles-de-Gaulle",
        "0565757000",
    ),
    (
        "epci_rodez",
        OrganisationKind.EPCI,
        "CA Rodez Agglomération",
        "",
        "CA Rodez Agglomération",
        "Rodez",
        "1 place Adrien Rozier",
        "0565734750",
    ),
    (
        "epci_millau",
        OrganisationKind.EPCI,
        "CC de Millau Grands Causses",
        "",
        "CC de Millau Grands Causses",
        "Millau",
        "1 place du Beffroi",
        "0565617020",
    ),
    (
        "msd_rodez",
        OrganisationKind.FRONT_DESK,
        "Maison des solidarités départementales de Rodez",
        Side.CD12,
        "",
        "Rodez",
        "4 rue Paul Ramadier",
        "0565759000",
    ),
    (
        "caf",
        OrganisationKind.FRONT_DESK,
        "CAF de l'Aveyron – accueil de Rodez",
        Side.CD12,
        "",
        "Rodez",
        "52 avenue de Bordeaux",
        "0565761200",
    ),
    (
        "mission_locale",
        OrganisationKind.FRONT_DESK,
        "Mission locale de l'Aveyron – Millau",
        Side.CD12,
        "",
        "Millau",
        "15 rue de la Capelle",
        "0565600500",
    ),
    (
        "savs",
        OrganisationKind.FRONT_DESK,
        "SAVS de Villefranche-de-Rouergue",
        Side.CD12,
        "",
        "Villefranche-de-Rouergue",
        "8 avenue Caylet",
        "0565451200",
    ),
    (
        "ccas_rodez",
        OrganisationKind.FRONT_DESK,
        "CCAS de Rodez",
        Side.EPCI,
        "CA Rodez Agglomération",
        "Rodez",
        "1 boulevard Gally",
        "0565777080",
    ),
    (
        "fs_millau",
        OrganisationKind.FRONT_DESK,
        "France Services de Millau",
        Side.EPCI,
        "CC de Millau Grands Causses",
        "Millau",
        "24 avenue Gambetta",
        "0565595000",
    ),
    (
        "fs_decazeville",
        OrganisationKind.FRONT_DESK,
        "France Services de Decazeville",
        Side.EPCI,
        "CC Decazeville Communauté",
        "Decazeville",
        "Place Decazes",
        "0565433000",
    ),
    (
        "ccas_villefranche",
        OrganisationKind.FRONT_DESK,
        "CCAS de Villefranche-de-Rouergue",
        Side.EPCI,
        "CC Ouest Aveyron Communauté",
        "Villefranche-de-Rouergue",
        "Rue Alibert",
        "0565453700",
    ),
    (
        "med_rouergue",
        OrganisationKind.MEDIATOR,
        "Rouergue Numérique",
        "",
        "",
        "Rodez",
        "12 rue Béteille",
        "0565681122",
    ),
    (
        "med_millau",
        OrganisationKind.MEDIATOR,
        "Médiathèque de Millau – espace numérique",
        "",
        "",
        "Millau",
        "Avenue de la République",
        "0565590800",
    ),
    (
        "med_decazeville",
        OrganisationKind.MEDIATOR,
        "Espace numérique du Bassin",
        "",
        "",
        "Decazeville",
        "3 rue Cayrade",
        "0565434455",
    ),
    (
        "med_saint_affrique",
        OrganisationKind.MEDIATOR,
        "Familles Rurales – Sud-Aveyron",
        "",
        "",
        "Saint-Affrique",
        "7 boulevard de Verdun",
        "0565983344",
    ),
    (
        "med_villefranche",
        OrganisationKind.MEDIATOR,
        "La Fabrique, tiers-lieu numérique",
        "",
        "",
        "Villefranche-de-Rouergue",
        "2 place Notre-Dame",
        "0565812233",
    ),
    (
        "med_espalion",
        OrganisationKind.MEDIATOR,
        "Point numérique d'Espalion",
        "",
        "",
        "Espalion",
        "Rue Droite",
        "0565440011",
    ),
]


@dataclass
class DemoContext:
    """What the foundation made, for the apps' demo steps."""

    programme: Programme
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    today: datetime.date = field(default_factory=lambda: timezone.localdate())

    @property
    def current_year(self) -> int:
        return self.today.year


def demo_refuse_in_production() -> None:
    if getattr(settings, "PASSNUM_PRODUCTION", False):
        raise RuntimeError("Les données de démonstration ne se chargent pas en production.")


def demo_programme_years(today) -> tuple[int, int]:
    """The demo programme runs over last year (an ended vintage), this year and next year."""
    return today.year - 1, today.year + 1


def demo_programme(today) -> Programme:
    """The Aveyron programme over ``demo_programme_years``, with a vintage for each year
    (``programme_load_aveyron`` makes the vintages of the years asked for): its dates cover
    its vintages (a demo loaded in an earlier year is stretched to cover them)."""
    start, end = demo_programme_years(today)
    programme = programme_load_aveyron(start_year=start, end_year=end)
    if programme.start_year > start or programme.end_year < end:
        programme.start_year = min(programme.start_year, start)
        programme.end_year = max(programme.end_year, end)
        programme.save(update_fields=["start_year", "end_year"])
    return programme


def demo_load_foundation() -> DemoContext:
    with transaction.atomic():
        today = timezone.localdate()
        programme = demo_programme(today)
        ctx = DemoContext(programme=programme, today=today)
        for key, kind, name, side, epci_name, commune, address, phone in DEMO_ORGANISATIONS:
            commune_obj = Commune.objects.filter(name=commune).first()
            epci = Epci.objects.get(name=epci_name) if epci_name else None
            if kind == OrganisationKind.MEDIATOR and commune_obj is not None:
                epci = commune_obj.epci
            org, _ = Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "side": side,
                    "epci": epci,
                    "commune": commune_obj,
                    "address": address,
                    "phone": phone,
                },
            )
            if kind == OrganisationKind.EPCI and epci and not epci.is_partner:
                epci.is_partner = True
                epci.save(update_fields=["is_partner"])
            ctx.orgs[key] = org
        for email, first, last, org_key, role in DEMO_ACCOUNTS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
                )
            ctx.users[email] = user
            organisation = ctx.orgs[org_key]
            if not user.memberships.filter(organisation=organisation, is_active=True).exists():
                membership_add(user=user, organisation=organisation, role=role)
    return ctx
