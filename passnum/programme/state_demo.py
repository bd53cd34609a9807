"""Issue 15's part of the demo: the front desks' types, the State service with its read-only
account (``etat@demo.passnum.fr``), and the current year's calls for funds and payments
received. Idempotent; called once from ``passnum.site.demo``."""

from passnum.accounts.models import User
from passnum.organisations.models import FrontDeskType, Organisation, OrganisationKind, Role
from passnum.organisations.services import membership_add

from .demo import DEMO_PASSWORD, DemoContext

#: Demo front desk (its key in DEMO_ORGANISATIONS) → its type's label.
DEMO_DESK_TYPES = {
    "msd_rodez": "Maison des solidarités départementale (MSD)",
    "caf": "CAF",
    "mission_locale": "Mission locale",
    "savs": "SAVS / CCAS",
    "ccas_rodez": "SAVS / CCAS",
    "fs_millau": "Maison France Services (MFS)",
    "fs_decazeville": "Maison France Services (MFS)",
    "ccas_villefranche": "SAVS / CCAS",
}
#: Any other front desk of the demo (another app's) without a type.
DEMO_DEFAULT_TYPE = "Travailleurs sociaux"

STATE_SERVICE = "Préfecture de l'Aveyron – ANCT"
STATE_ACCOUNT = ("etat@demo.passnum.fr", "Hélène", "Préfecture")


def load(ctx: DemoContext) -> None:
    demo_front_desk_types(ctx)
    demo_state_observer(ctx)


def demo_front_desk_types(ctx: DemoContext) -> None:
    """Every demo front desk has its type (the programme's list, seeded by migration)."""
    types = {t.label: t for t in FrontDeskType.objects.all()}
    for key, label in DEMO_DESK_TYPES.items():
        desk = ctx.orgs.get(key)
        if desk is not None and desk.front_desk_type_id is None:
            desk.front_desk_type = types[label]
            desk.save(update_fields=["front_desk_type"])
    Organisation.objects.filter(kind=OrganisationKind.FRONT_DESK, front_desk_type=None).update(
        front_desk_type=types[DEMO_DEFAULT_TYPE]
    )


def demo_state_observer(ctx: DemoContext) -> None:
    """The State's service and its observer, who reads the programme's figures."""
    service, _ = Organisation.objects.get_or_create(
        name=STATE_SERVICE, defaults={"kind": OrganisationKind.STATE}
    )
    ctx.orgs["state"] = service
    email, first, last = STATE_ACCOUNT
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
    ctx.users[email] = user
    if not user.memberships.filter(organisation=service, is_active=True).exists():
        membership_add(user=user, organisation=service, role=Role.STATE_OBSERVER)
