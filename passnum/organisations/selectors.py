from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone

from passnum.audit.models import JournalEntry

from .models import Invitation, Membership, Organisation
from .roles import is_programme_manager, may_manage_team


def memberships_active_of(user) -> list[Membership]:
    """A person's active memberships, in every organisation (active or not), with their
    organisation, in the switcher's order; one query. ``membership.user`` is ``user`` itself
    (no second read of the user). The middleware reads them once per request: the current
    membership, the switcher and the MFA requirement all come from this list."""
    memberships = list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation", "organisation__epci")
        .order_by("organisation__name", "id")
    )
    for membership in memberships:
        membership.user = user
    return memberships


def membership_choose(memberships, membership_id=None) -> Membership | None:
    """Rule: a request acts through the membership chosen in the session if it is still
    active in an active organisation, else through the person's first such membership
    (``memberships`` as memberships_active_of returns them)."""
    usable = [m for m in memberships if m.is_active and m.organisation.is_active]
    if membership_id:
        for membership in usable:
            if str(membership.pk) == str(membership_id):
                return membership
    return usable[0] if usable else None


def membership_current(*, user, membership_id=None) -> Membership | None:
    """The membership a request acts through (membership_choose), read for ``user``."""
    return membership_choose(memberships_active_of(user), membership_id)


def organisations_manageable_by(membership: Membership | None):
    """Rule: a programme manager manages every organisation (its team, its invitations); an
    organisation's admin manages only its own organisation; nobody else manages any
    (``roles.may_manage_team`` as a queryset)."""
    if is_programme_manager(membership):
        return Organisation.objects.all()
    if may_manage_team(membership, getattr(membership, "organisation", None)):
        return Organisation.objects.filter(pk=membership.organisation_id)
    return Organisation.objects.none()


def organisation_list_for_managers():
    """Every organisation, with what its row shows, in a fixed number of queries."""
    return Organisation.objects.select_related("epci", "commune", "front_desk_type").annotate(
        active_members=Count("memberships", filter=Q(memberships__is_active=True))
    )


def organisation_team(organisation: Organisation):
    """Memberships of an organisation, active ones first."""
    return organisation.memberships.select_related("user").order_by(
        "-is_active", "user__last_name", "user__first_name"
    )


def invitations_pending(organisation: Organisation | None = None):
    """Rule: an invitation is pending while neither accepted nor expired. Of ``organisation``,
    or of every organisation when None."""
    pending = Invitation.objects.filter(accepted_at__isnull=True, expires_at__gte=timezone.now())
    if organisation is not None:
        pending = pending.filter(organisation=organisation)
    return pending.select_related("invited_by", "organisation")


def organisation_history(organisation: Organisation, *, limit: int = 50):
    """The journal of an organisation: changes to it, its memberships and its invitations."""
    ct = ContentType.objects.get_for_models(Organisation, Membership, Invitation)
    membership_ids = [str(pk) for pk in organisation.memberships.values_list("pk", flat=True)]
    invitation_ids = [str(pk) for pk in organisation.invitations.values_list("pk", flat=True)]
    condition = (
        Q(target_type=ct[Organisation], target_id=str(organisation.pk))
        | Q(target_type=ct[Membership], target_id__in=membership_ids)
        | Q(target_type=ct[Invitation], target_id__in=invitation_ids)
    )
    return JournalEntry.objects.filter(condition).select_related("actor", "organisation")[:limit]
