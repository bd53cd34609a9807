from .models import Membership, Organisation, OrganisationKind, Role


def membership_current(*, user, membership_id=None) -> Membership | None:
    """The membership a request acts through: the one chosen in the session if it is still
    active, else the person's first active membership."""
    memberships = (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation", "organisation__epci", "user")
        .order_by("organisation__name", "id")
    )
    if membership_id:
        chosen = memberships.filter(pk=membership_id).first()
        if chosen:
            return chosen
    return memberships.first()


def organisations_visible_to(membership: Membership):
    """Rule: programme managers see every organisation; an EPCI coordinator the organisations
    of its EPCI; anyone else only its own organisation."""
    qs = Organisation.objects.all()
    if membership is None:
        return qs.none()
    if membership.role == Role.PROGRAMME_MANAGER:
        return qs
    if membership.role == Role.EPCI_COORDINATOR:
        return qs.filter(epci_id=membership.organisation.epci_id)
    return qs.filter(pk=membership.organisation_id)


def front_desks_for_side(*, side: str, epci_id=None):
    qs = Organisation.objects.filter(kind=OrganisationKind.FRONT_DESK, is_active=True, side=side)
    if epci_id:
        qs = qs.filter(epci_id=epci_id)
    return qs
