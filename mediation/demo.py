"""Demo data of mediation: mediator profiles, places, agreements (load_organisations), then
redemptions, activities and statements in every status (load_activity). Idempotent.

Organisations and people are invented; SIRET and IBAN are generated with valid keys."""

import datetime

from django.utils import timezone
from schwifty import IBAN
from stdnum import luhn

from chequebooks.demo import demo_cheque_code
from chequebooks.models import Chequebook, ChequebookState
from chequebooks.states import REDEEMED_STATES
from orientation.demo import FIRST_SESSION_DELAY, referral_first_session_on
from orientation.models import ACTIVE_REFERRAL_STATES, MEDIATOR_VISIBLE_STATES, Referral
from passnum.accounts.models import User
from passnum.core.dates import month_start, next_month, paris_midnight, previous_month
from passnum.directory.models import MediatorProfile, Place, QualificationStatus
from passnum.organisations.models import Membership, Organisation, OrganisationKind, Role
from passnum.organisations.services import membership_add
from passnum.programme.models import Service
from passnum.programme.vintages import vintage_is_valid_on
from passnum.territory.models import Commune

from .models import Activity, Agreement, AgreementStatus, Redemption, Statement, Theme
from .services import (
    ChequeLine,
    agreement_render,
    redemption_submit,
    statement_issue,
    statement_pay,
    statement_send,
    statement_validate,
)

S = {
    "demarches": "demarches",
    "outils": "outils-quotidien",
    "insertion": "insertion",
    "securite": "securite",
    "parentalite": "parentalite",
    "loisirs": "loisirs",
    "comprehension": "comprehension",
    "acces": "acces-materiel",
    "solidaire": "materiel-solidaire",
}

# key, legal representative, labels, public sector, places:
#   (name, address, commune, lat, lon, OSM hours, plain hours, services, accessibility, modes)
MEDIATORS = [
    (
        "med_rouergue",
        "Sophie Médiatrice",
        ["#APTIC", "Conseillers numériques"],
        False,
        [
            (
                "Rouergue Numérique – Rodez centre",
                "12 rue Béteille",
                "Rodez",
                44.3506,
                2.5750,
                "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
                "Du lundi au vendredi 9 h – 12 h et 14 h – 18 h ; le samedi 9 h – 12 h",
                ["demarches", "outils", "securite", "comprehension"],
                ["Surdité", "Handicaps moteurs"],
                ["Accompagnement individuel", "Dans un atelier collectif"],
            ),
            (
                "Rouergue Numérique – Onet-le-Château",
                "Place des Rosiers",
                "Onet-le-Château",
                44.3650,
                2.5930,
                "Tu,Th 14:00-17:30",
                "Mardi et jeudi, 14 h – 17 h 30",
                ["outils", "insertion", "acces"],
                ["Illettrisme"],
                ["Dans un atelier collectif", "En autonomie"],
            ),
        ],
    ),
    (
        "med_millau",
        "Jean Dufour",
        ["#APTIC", "France Services"],
        True,
        [
            (
                "Médiathèque de Millau – espace numérique",
                "Avenue de la République",
                "Millau",
                44.0980,
                3.0780,
                "Tu-Sa 10:00-18:00",
                "Du mardi au samedi, 10 h – 18 h",
                ["outils", "loisirs", "comprehension", "acces"],
                ["Déficience visuelle", "Handicaps moteurs"],
                ["En autonomie", "Dans un atelier collectif", "Accompagnement individuel"],
            ),
        ],
    ),
    (
        "med_decazeville",
        "Karim Benali",
        ["#APTIC"],
        False,
        [
            (
                "Espace numérique du Bassin",
                "3 rue Cayrade",
                "Decazeville",
                44.5600,
                2.2500,
                "Mo-Th 09:00-12:00,13:30-17:00",
                "Du lundi au jeudi, 9 h – 12 h et 13 h 30 – 17 h",
                ["demarches", "insertion", "solidaire"],
                ["Langues étrangères (autres)"],
                ["Accompagnement individuel"],
            ),
        ],
    ),
    (
        "med_saint_affrique",
        "Hélène Roques",
        ["#APTIC", "Aidants Connect"],
        False,
        [
            (
                "Familles Rurales – Saint-Affrique",
                "7 boulevard de Verdun",
                "Saint-Affrique",
                43.9580,
                2.8870,
                "We 09:00-12:00; Fr 14:00-18:00",
                "Mercredi 9 h – 12 h, vendredi 14 h – 18 h",
                ["parentalite", "outils", "securite"],
                ["Handicaps mentaux"],
                ["Dans un atelier collectif", "Accompagnement individuel"],
            ),
            (
                "Familles Rurales – permanence de Belmont",
                "Mairie",
                "Belmont-sur-Rance",
                None,
                None,
                "Mo 14:00-17:00",
                "Le lundi, 14 h – 17 h",
                ["demarches", "outils"],
                [],
                ["Accompagnement individuel"],
            ),
        ],
    ),
    (
        "med_villefranche",
        "Paul Garric",
        ["Conseillers numériques"],
        False,
        [
            (
                "La Fabrique, tiers-lieu numérique",
                "2 place Notre-Dame",
                "Villefranche-de-Rouergue",
                44.3520,
                2.0350,
                "Mo-Fr 10:00-19:00",
                "Du lundi au vendredi, 10 h – 19 h",
                ["loisirs", "insertion", "comprehension", "acces"],
                ["Langues étrangères (anglais)"],
                ["En autonomie", "Dans un atelier collectif", "À distance"],
            ),
        ],
    ),
    (
        "med_espalion",
        "Marie Vayssier",
        ["France Services"],
        True,
        [
            (
                "Point numérique d'Espalion",
                "Rue Droite",
                "Espalion",
                44.5230,
                2.7630,
                "Mo,We,Fr 09:00-12:30",
                "Lundi, mercredi et vendredi, 9 h – 12 h 30",
                ["demarches", "outils", "securite"],
                ["Surdité", "Illettrisme"],
                ["Accompagnement individuel"],
            ),
        ],
    ),
]

STATEMENT_HOUR = datetime.timedelta(hours=9)

APPLIED_NAME = "Atelier numérique du Lévézou"


def _siret(seed: int) -> str:
    base = "8" + f"{seed:07d}"
    siren = base + luhn.calc_check_digit(base)
    number = siren + "00017"[:4]
    return number + luhn.calc_check_digit(number)


def _iban(seed: int) -> str:
    return IBAN.generate(
        "FR", bank_code="30006", branch_code="00001", account_code=f"{seed:011d}"
    ).compact


def _mediator_user(ctx, key, organisation):
    """med_rouergue uses the foundation's mediateur@; the others get one demo account each."""
    if key == "med_rouergue":
        return ctx.users.get("mediateur@demo.passnum.fr")
    email = f"{key.removeprefix('med_').replace('_', '-')}@demo.passnum.fr"
    email = f"mediateur.{email}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password="passnum-demo",
            first_name="Médiateur",
            last_name=organisation.name[:40],
        )
    if not Membership.objects.filter(user=user, organisation=organisation, is_active=True).exists():
        membership_add(user=user, organisation=organisation, role=Role.ORG_ADMIN)
    ctx.users[email] = user
    return user


def load_organisations(ctx) -> None:
    """Profiles (qualified), places and agreements in force with CD12 for the six demo
    mediators; one more mediator still applying."""
    services = {s.code: s for s in Service.objects.all()}
    cd12 = ctx.orgs["cd12"]
    now = timezone.now()
    year = ctx.today.year
    for index, (key, representative, labels, public, places) in enumerate(MEDIATORS):
        organisation = ctx.orgs.get(key)
        if organisation is None:
            continue
        MediatorProfile.objects.get_or_create(
            organisation=organisation,
            defaults={
                "siret": _siret(1200 + index),
                "legal_name": organisation.name,
                "legal_representative": representative,
                "iban": _iban(5000 + index),
                "bic": "AGRIFRPP",
                "is_public_sector": public,
                "labels": labels,
                "charter_accepted_at": now,
                "qualification_status": QualificationStatus.QUALIFIED,
                "qualified_at": now,
                "status_changed_at": now,
            },
        )
        for name, address, commune, lat, lon, hours, hours_text, codes, access, modes in places:
            commune_obj = Commune.objects.filter(name=commune).first()
            if (
                commune_obj is None
                or Place.objects.filter(organisation=organisation, name=name).exists()
            ):
                continue
            place = Place.objects.create(
                organisation=organisation,
                name=name,
                address=address,
                commune=commune_obj,
                postcode=commune_obj.postcode,
                latitude=lat,
                longitude=lon,
                opening_hours=hours,
                opening_hours_text=hours_text,
                phone=organisation.phone,
                email=f"contact.{key.removeprefix('med_').replace('_', '-')}@demo.passnum.fr",
                contact_name=representative,
                accessibility=access,
                support_modes=modes,
                summary=f"{organisation.name} accompagne les bénéficiaires du Pass numérique, "
                "seuls ou en petit groupe.",
            )
            place.services.set([services[S[c]] for c in codes if S[c] in services])
        if not Agreement.objects.filter(mediator=organisation, counterpart=cd12).exists():
            agreement = Agreement.objects.create(
                mediator=organisation,
                counterpart=cd12,
                start_date=datetime.date(year - 1, 1, 1),
                end_date=datetime.date(year + 1, 12, 31),
                signed_at=datetime.date(year - 1, 1, 1),
                status=AgreementStatus.ACTIVE,
            )
            if key == "med_rouergue":  # one rendered PDF is enough for the demo (speed)
                agreement_render(agreement)
        _mediator_user(ctx, key, organisation)
    # One mediator still applying: a profile to complete, no agreement yet.
    applied = Organisation.objects.filter(name=APPLIED_NAME, kind=OrganisationKind.MEDIATOR).first()
    if applied is None:
        commune = Commune.objects.filter(name="Pont-de-Salars").first()
        applied = Organisation.objects.create(
            kind=OrganisationKind.MEDIATOR,
            name=APPLIED_NAME,
            commune=commune,
            epci=commune.epci if commune else None,
            address="Place de la Mairie",
        )
    MediatorProfile.objects.get_or_create(
        organisation=applied,
        defaults={
            "legal_name": APPLIED_NAME,
            "legal_representative": "Lucie Bousquet",
            "siret": _siret(1299),
            "labels": ["#APTIC"],
        },
    )
    ctx.orgs["med_applied"] = applied


def load_activity(ctx) -> None:
    """Redemptions through the real service, activities, and statements in every status for
    the four past months, whatever the year (oldest paid, then sent, validated, issued);
    this month's redemptions stay unstated. Keeps one handed-out chequebook referred to
    med_rouergue untouched (browser test)."""
    rouergue = ctx.orgs.get("med_rouergue")
    if rouergue is None or Redemption.objects.filter(mediator=rouergue).exists():
        return
    manager = Membership.objects.filter(
        user=ctx.users.get("gestionnaire@demo.passnum.fr"), organisation=ctx.orgs["cd12"]
    ).first()
    # Chequebooks handed out, not started, with the mediator they were referred to. A
    # chequebook handed out without a referral that went anywhere stays unused (the radar's
    # "never started"), and so does one referred to a mediator who has not answered yet.
    candidates = (
        Chequebook.objects.filter(state=ChequebookState.HANDED_OUT, beneficiary__isnull=False)
        .exclude(cheques__state__in=REDEEMED_STATES)
        .select_related("beneficiary", "vintage")
        .order_by("number")
    )
    referrals = {}
    for r in Referral.objects.filter(
        beneficiary__chequebooks__in=candidates, state__in=MEDIATOR_VISIBLE_STATES
    ).select_related("mediator"):
        referrals.setdefault(r.beneficiary_id, r)
    mediators = [ctx.orgs[k] for k, *_ in MEDIATORS if k in ctx.orgs]
    kept_for_browser = False
    plan = []  # (chequebook, mediator, referral)
    for chequebook in candidates:
        if not vintage_is_valid_on(chequebook.vintage, ctx.today):
            continue
        referral = referrals.get(chequebook.beneficiary_id)
        if referral is None:
            continue
        if referral.mediator == rouergue and not kept_for_browser:
            kept_for_browser = True  # a referred person's chequebook left whole
            continue
        plan.append((chequebook, referral.mediator, referral))
    if not plan:
        return
    # Months: the four months before this one, whatever the calendar year (each gets a
    # statement, so that every status shows all year round), then this month (no statement).
    # Each chequebook's sessions start on its first session (``_first_session_day``), after
    # its hand-over and its referral, and come back every month until this one.
    months = []
    first = ctx.today.replace(day=1)
    m = first
    for _ in range(4):
        m = previous_month(m)
        months.insert(0, m)
    months.append(first)
    memberships = {
        org.pk: Membership.objects.filter(organisation=org, is_active=True, role=Role.ORG_ADMIN)
        .select_related("user", "organisation")
        .first()
        for org in mediators
    }
    themes = [Theme.DIAGNOSTIC, Theme.EMAIL, Theme.PROCEDURES, Theme.SMARTPHONE, Theme.SECURITY]
    kinds = [Activity.Kind.INDIVIDUAL, Activity.Kind.PROCEDURE, Activity.Kind.INDIVIDUAL]
    for index, (chequebook, mediator, referral) in enumerate(plan[:24]):
        membership = memberships.get(mediator.pk)
        if membership is None:
            continue
        cheques = iter(chequebook.cheques.order_by("position"))
        per_month = 2 if index % 3 == 0 else 1  # one or two sessions a month, every month
        start = _first_session_day(chequebook, referral)
        step = 0
        for month in months:
            if month < start.replace(day=1) or start > ctx.today:
                continue
            day = min(max(month.replace(day=3 + index % 20), start), ctx.today)
            batch = [c for _, c in zip(range(per_month), cheques, strict=False)]
            if not batch:
                continue
            answers = referral if step == 0 and referral.state in ACTIVE_REFERRAL_STATES else None
            result = redemption_submit(
                membership=membership,
                token=f"demo-{chequebook.number}-{step}",
                lines=[ChequeLine(str(c.number), demo_cheque_code(c.number)) for c in batch],
                kind=kinds[index % len(kinds)],
                date=ctx.today,
                duration_minutes=60 + 30 * (index % 3),
                themes=[themes[index % len(themes)], themes[(index + 2) % len(themes)]],
                referral=answers,
            )
            step += 1
            if not result.ok:
                continue
            # Demo only: date the activity on the day it illustrates.
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))
            Redemption.objects.filter(activity=result.activity).update(redeemed_at=at)
            Activity.objects.filter(pk=result.activity.pk).update(date=day)
            if answers is not None:  # the referral's first session is this one
                Referral.objects.filter(pk=referral.pk).update(state_changed_at=at)
                Referral.objects.filter(pk=referral.pk, accepted_at__gt=at).update(accepted_at=at)
    # Statements: the oldest month paid, then sent, validated, issued.
    past = [m for m in months if m < first]
    for position, month in enumerate(past):
        for mediator in mediators:
            if Statement.objects.filter(
                mediator=mediator, period_start=month_start(month)
            ).exists():
                continue
            if mediator != rouergue and position < len(past) - 1:
                continue  # fewer PDFs for speed: all months for Rouergue, recent ones for others
            statement = statement_issue(mediator=mediator, period_start=month, membership=manager)
            if statement is None or manager is None:
                continue
            age = len(past) - 1 - position  # 0 = last month
            if age >= 1:
                statement_validate(statement=statement, membership=manager)
            if age >= 2:
                statement_send(statement=statement, membership=manager)
            if age >= 3:
                statement_pay(
                    statement=statement,
                    membership=manager,
                    paid_at=min(month_start(month) + datetime.timedelta(days=45), ctx.today),
                    reference=f"VIR-{month:%Y%m}-{statement.number:04d}",
                )
            _date_statement(statement, month, ctx.today)


def _first_session_day(chequebook, referral) -> datetime.date:
    """The day of a chequebook's first session: the referral's (``referral_first_session_on``)
    once the mediator answered, else a week after the hand-over."""
    now = timezone.now()
    if referral.accepted_at:
        at = referral_first_session_on(referral, now=now)
    else:
        at = min(max(referral.created_at, chequebook.handed_out_at) + FIRST_SESSION_DELAY, now)
    return timezone.localtime(at).date()


def _date_statement(statement, month, today) -> None:
    """Demo only: a month's statement is issued three days after the month ends, validated
    four days later, sent three days after that; paid (``statement_pay``'s date) after."""
    issued = paris_midnight(next_month(month) + datetime.timedelta(days=3)) + STATEMENT_HOUR
    now = timezone.now()
    issued = min(issued, now)
    validated = min(issued + datetime.timedelta(days=4), now)
    sent = min(validated + datetime.timedelta(days=3), now)
    Statement.objects.filter(pk=statement.pk).update(issued_at=issued)
    Statement.objects.filter(pk=statement.pk, validated_at__isnull=False).update(
        validated_at=validated
    )
    Statement.objects.filter(pk=statement.pk, sent_at__isnull=False).update(sent_at=sent)
    Statement.objects.filter(pk=statement.pk, paid_at__lt=timezone.localtime(sent).date()).update(
        paid_at=min(timezone.localtime(sent).date() + datetime.timedelta(days=10), today)
    )
