"""Who may do what: the role predicates, written once.

Every service, selector, home panel and view asks these functions; none compares
``membership.role`` itself. A membership counts only while it is active."""

from django.core.exceptions import ValidationError

from .models import Membership, OrganisationKind, Role

FRONT_DESK_ROLES = (Role.EVALUATOR, Role.ORG_ADMIN)
MEDIATOR_ROLES = (Role.MEDIATOR, Role.ORG_ADMIN)


def _active(membership) -> bool:
    return membership is not None and membership.is_active


def is_programme_manager(membership) -> bool:
    """Rule: a programme manager is an active membership with the role "programme manager" in
    the programme owner's organisation (CD12). Memberships of that role exist only there
    (ROLES_BY_KIND), so the kind is checked as a second lock."""
    return (
        _active(membership)
        and membership.role == Role.PROGRAMME_MANAGER
        and membership.organisation.kind == OrganisationKind.OWNER
    )


def programme_manager_memberships():
    """``is_programme_manager`` as a queryset: the active memberships with the role "programme
    manager" in the owner's organisation (to write to them, for instance)."""
    return Membership.objects.filter(
        is_active=True, role=Role.PROGRAMME_MANAGER, organisation__kind=OrganisationKind.OWNER
    )


def is_epci_coordinator(membership) -> bool:
    """Rule: an EPCI coordinator is an active membership with the role "EPCI coordinator"."""
    return _active(membership) and membership.role == Role.EPCI_COORDINATOR


def is_coordinating(membership) -> bool:
    """Rule: programme managers and EPCI coordinators follow the programme's figures (each on
    its own scope: the whole programme, or its EPCI)."""
    return is_programme_manager(membership) or is_epci_coordinator(membership)


def coordinator_epci_id(membership) -> int | None:
    """The EPCI an EPCI coordinator covers: its organisation's. None when it has none; such a
    coordinator then sees nothing (callers never filter on ``epci_id=None``)."""
    if not is_epci_coordinator(membership):
        return None
    return membership.organisation.epci_id


def is_front_desk_agent(membership, organisation=None) -> bool:
    """Rule: a front desk agent is an active membership as evaluator or organisation admin of a
    front desk (of ``organisation``, when given)."""
    return (
        _active(membership)
        and membership.role in FRONT_DESK_ROLES
        and membership.organisation.kind == OrganisationKind.FRONT_DESK
        and (organisation is None or membership.organisation_id == organisation.pk)
    )


def is_mediator_member(membership, organisation=None, *, admin: bool = False) -> bool:
    """Rule: a mediator member is an active membership as mediator or organisation admin (the
    admin only, with ``admin=True``) of a mediator organisation (of ``organisation``, when
    given)."""
    roles = (Role.ORG_ADMIN,) if admin else MEDIATOR_ROLES
    return (
        _active(membership)
        and membership.role in roles
        and membership.organisation.kind == OrganisationKind.MEDIATOR
        and (organisation is None or membership.organisation_id == organisation.pk)
    )


def is_state_observer(membership) -> bool:
    """Rule: a State observer is an active membership with the role "State observer" in a
    State service (préfecture, ANCT). It reads the whole programme's figures (dashboard,
    reconciliation, periodic reports), never a person, never a detailed export, and changes
    nothing: no service accepts it as an actor. The kind is checked as a second lock."""
    return (
        _active(membership)
        and membership.role == Role.STATE_OBSERVER
        and membership.organisation.kind == OrganisationKind.STATE
    )


def sees_whole_programme(membership) -> bool:
    """Rule: programme managers and State observers see the figures of the whole programme
    (every envelope, every EPCI); an EPCI coordinator sees its EPCI's."""
    return is_programme_manager(membership) or is_state_observer(membership)


def reads_figures(membership) -> bool:
    """Rule: the programme's figures (dashboard, breakdowns, vintage reconciliation, periodic
    reports) are read by programme managers and EPCI coordinators (``is_coordinating``) and
    by State observers, each on its scope."""
    return is_coordinating(membership) or is_state_observer(membership)


def may_manage_team(membership, organisation) -> bool:
    """Rule: a programme manager manages every organisation's team (memberships, invitations);
    an organisation admin manages its own organisation's team."""
    if is_programme_manager(membership):
        return True
    return (
        _active(membership)
        and membership.role == Role.ORG_ADMIN
        and membership.organisation_id == organisation.pk
    )


def require_programme_manager(
    membership, message: str = "Seul un gestionnaire du programme peut faire cela."
) -> None:
    """Refuse (ValidationError with ``message``) anyone but a programme manager."""
    if not is_programme_manager(membership):
        raise ValidationError(message, code="not_programme_manager")
