"""Issue 15's part of the demo: the front desks' types, the State service with its read-only
account (``etat@demo.passnum.fr``), and the current year's calls for funds and payments
received. Idempotent; called once from ``passnum.site.demo``."""

import datetime

from passnum.accounts.models import User
from passnum.organisations.models import Organisation, OrganisationKind, Role
from passnum.organisations.services import front_desk_types_load, membership_add

from .demo import DEMO_PASSWORD, DemoContext
from .models import FundCall, Funder, FundPayment
from .services import fund_call_issue, fund_payment_record

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
    demo_funding(ctx)


def demo_front_desk_types(ctx: DemoContext) -> None:
    """Every demo front desk has its type (the programme's list, seeded by migration)."""
    types = front_desk_types_load()
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


#: The current year's calls for funds and payments (illustrative amounts, in cents): funder
#: kind, reference, months after 1 January, amount, label; then what was received.
DEMO_CALLS = [
    (Funder.Kind.STATE, "AF-{year}-ETAT-1", 0, 150_000_00, "participation de l'État, 1re tranche"),
    (Funder.Kind.STATE, "AF-{year}-ETAT-2", 6, 100_000_00, "participation de l'État, 2e tranche"),
    (Funder.Kind.EPCI, "AF-{year}-EPCI-1", 1, 45_000_00, "participation des intercommunalités"),
]
DEMO_PAYMENTS = [
    (Funder.Kind.STATE, "VIR-{year}-ETAT-1", 2, 150_000_00),
    (Funder.Kind.EPCI, "VIR-{year}-EPCI-1", 3, 30_000_00),
]


def demo_funding(ctx: DemoContext) -> None:
    """The current year: two calls to the State (the first paid), one to the EPCI (partly
    paid), through the services (the calls' PDFs, the journal)."""
    year = ctx.current_year
    manager = ctx.users["gestionnaire@demo.passnum.fr"].memberships.get(
        organisation=ctx.orgs["cd12"]
    )
    funders = {f.kind: f for f in Funder.objects.filter(programme=ctx.programme)}
    for kind, reference, months, amount, label in DEMO_CALLS:
        reference = reference.format(year=year)
        if FundCall.objects.filter(reference=reference).exists():
            continue
        fund_call_issue(
            membership=manager, funder=funders[kind], year=year, reference=reference,
            called_on=_month_day(year, months, ctx.today), amount_cents=amount, label=label,
        )  # fmt: skip
    for kind, reference, months, amount in DEMO_PAYMENTS:
        reference = reference.format(year=year)
        if FundPayment.objects.filter(reference=reference).exists():
            continue
        fund_payment_record(
            membership=manager, funder=funders[kind], year=year, reference=reference,
            received_on=_month_day(year, months, ctx.today), amount_cents=amount,
        )  # fmt: skip


def _month_day(year: int, months: int, today: datetime.date) -> datetime.date:
    """The 15th of the ``months``-th month after January, never after today."""
    return min(datetime.date(year, 1 + months, 15), today)
