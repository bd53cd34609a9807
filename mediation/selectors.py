"""Reads of mediation, scoped to who asks (DOMAIN rule 5): a mediator sees its own places,
activities, redemptions and statements; programme managers see everything."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from chequebooks.models import Cheque
from orientation.models import Referral
from orientation.selectors import beneficiaries_visible_to
from passnum.audit.models import JournalEntry
from passnum.core.dates import month_start, next_month, paris_midnight
from passnum.directory.models import Place
from passnum.organisations.models import Organisation, OrganisationKind
from passnum.organisations.roles import is_mediator_member, is_programme_manager
from passnum.people.models import Beneficiary

from . import journal
from .models import Activity, Agreement, Redemption, Statement, StatementStatus, Theme


def _own_mediator(membership):
    """The mediator organisation ``membership`` acts for (is_mediator_member), or None."""
    return membership.organisation if is_mediator_member(membership) else None


def _scoped(qs, membership, field="mediator"):
    if is_programme_manager(membership):
        return qs
    own = _own_mediator(membership)
    if own is None:
        return qs.none()
    return qs.filter(**{field: own})


def activities_visible_to(membership):
    return _scoped(Activity.objects.all(), membership)


def statements_visible_to(membership):
    return _scoped(Statement.objects.all(), membership)


def places_visible_to(membership):
    return _scoped(Place.objects.all(), membership, field="organisation")


def statements_to_export():
    """The statements the accounting export takes: the validated ones (those of mediators
    whose bank details await re-validation are then held back:
    services.statements_held_from_accounting)."""
    return Statement.objects.filter(status=StatementStatus.VALIDATED)


def agreements_visible_to(membership):
    return _scoped(Agreement.objects.all(), membership)


def mediators_visible_to(membership):
    """Mediator organisations: all for a manager, its own for a mediator, none otherwise."""
    qs = Organisation.objects.filter(kind=OrganisationKind.MEDIATOR)
    if is_programme_manager(membership):
        return qs
    own = _own_mediator(membership)
    return qs.filter(pk=own.pk) if own else qs.none()


def _redemptions_of_outer():
    return Redemption.objects.filter(mediator=OuterRef("pk"))


def _per_mediator(qs, aggregate, *, field="mediator"):
    """One aggregate of ``qs`` per outer mediator, 0 when it has no row. Grouped by the outer
    mediator, the subquery has one row at most: no LIMIT, which would let PostgreSQL scan the
    whole table hoping to stop early instead of reading the mediator's rows by index."""
    return Coalesce(
        Subquery(
            qs.order_by().values(field).annotate(value=aggregate).values("value"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def mediators_with_figures(*, today: datetime.date | None = None):
    """Every mediator with its qualification, places and redemption figures (one query).

    The counts and the net total are computed in subqueries per mediator: a join over places
    and redemptions at once would multiply the sum by the number of places."""
    today = today or timezone.localdate()
    start = paris_midnight(month_start(today))
    end = paris_midnight(next_month(today))
    return (
        Organisation.objects.filter(kind=OrganisationKind.MEDIATOR)
        .select_related("mediator_profile", "commune")
        .annotate(
            place_count=_per_mediator(
                Place.objects.filter(organisation=OuterRef("pk"), is_active=True),
                Count("id"),
                field="organisation",
            ),
            redeemed_total=_per_mediator(_redemptions_of_outer(), Count("id")),
            redeemed_this_month=_per_mediator(
                _redemptions_of_outer().filter(redeemed_at__gte=start, redeemed_at__lt=end),
                Count("id"),
            ),
            net_total_cents=_per_mediator(_redemptions_of_outer(), Sum("mediator_net_cents")),
            agreement_until=Subquery(
                Agreement.objects.in_force(today)
                .filter(mediator=OuterRef("pk"))
                .order_by("-end_date")
                .values("end_date")[:1]
            ),
        )
        .order_by("name")
    )


def month_redemptions(*, organisation, today=None):
    """This month's redemptions of a mediator (Europe/Paris)."""
    today = today or timezone.localdate()
    return Redemption.objects.filter(
        mediator=organisation,
        redeemed_at__gte=paris_midnight(month_start(today)),
        redeemed_at__lt=paris_midnight(next_month(today)),
    )


def referrals_open_for(membership):
    """Rule: an activity (with or without cheques) may answer only a referral addressed to this
    mediator and still open (proposed, accepted or first session held): not one declined,
    lapsed or completed."""
    own = _own_mediator(membership)
    if own is None:
        return Referral.objects.none()
    return (
        Referral.objects.active()
        .filter(mediator=own)
        .select_related("beneficiary")
        .order_by("-created_at")
    )


def participants_open_for(membership):
    """Rule: the people a mediator may record in an activity are those it may see (orientation's
    beneficiaries_visible_to: referred to it by a referral still open or completed, not one it
    declined or that lapsed) and those whose cheques it redeemed; never an anonymised person.
    Nobody for anyone else."""
    own = _own_mediator(membership)
    if own is None:
        return Beneficiary.objects.none()
    visible = beneficiaries_visible_to(membership).values("pk")
    redeemed = Redemption.objects.filter(mediator=own, beneficiary__isnull=False).values(
        "beneficiary_id"
    )
    return (
        Beneficiary.objects.filter(Q(pk__in=visible) | Q(pk__in=redeemed))
        .filter(anonymised_at__isnull=True)
        .order_by("last_name", "first_name", "pk")
    )


#: The activity theme (La Coop's) that each service of the national catalogue (the suggested
#: services an assessment copies, by label) starts a redemption form with.
THEME_BY_SERVICE = {
    "Aide aux démarches administratives": Theme.PROCEDURES,
    "Maîtrise des outils numériques du quotidien": Theme.EQUIPMENT,
    "Insertion professionnelle via le numérique": Theme.EMPLOYMENT,
    "Utilisation sécurisée du numérique": Theme.SECURITY,
    "Parentalité et éducation avec le numérique": Theme.PARENTING,
    "Loisirs et créations numériques": Theme.CREATION,
    "Compréhension du monde numérique": Theme.CULTURE,
    "Accès internet et matériel informatique": Theme.BROWSING,
    "Acquisition de matériel informatique à prix solidaire": Theme.EQUIPMENT,
}


def referral_default_themes(referral) -> list[str]:
    """Rule: a redemption for a referral starts with the themes of the services its
    assessment suggested (THEME_BY_SERVICE); the mediator changes them freely."""
    services = referral.assessment.suggested_services if referral.assessment_id else []
    themes = []
    for label in services or []:
        theme = THEME_BY_SERVICE.get(label)
        if theme and theme.value not in themes:
            themes.append(theme.value)
    return themes


def activity_history(activity, *, limit=100):
    """An activity's journal: its own entries and the redemptions of its cheques (a
    redemption's entry names the cheque), newest first."""
    cheque_ids = [str(pk) for pk in activity.redemptions.values_list("cheque_id", flat=True)]
    return (
        JournalEntry.objects.filter(
            Q(target_type=ContentType.objects.get_for_model(Activity), target_id=str(activity.pk))
            | Q(
                target_type=ContentType.objects.get_for_model(Cheque),
                target_id__in=cheque_ids,
                action=journal.CHEQUE_REDEEMED.code,
            )
        )
        .select_related("actor", "organisation")
        .order_by("-created_at", "-id")[:limit]
    )
