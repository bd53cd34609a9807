from django.utils.functional import SimpleLazyObject

from .selectors import membership_current

SESSION_KEY = "passnum_membership_id"


def _current_membership(request):
    return membership_current(user=request.user, membership_id=request.session.get(SESSION_KEY))


class CurrentOrganisationMiddleware:
    """Sets ``request.membership`` (the person's current membership, or None), and with it
    ``request.organisation`` and ``request.role``. A person with several memberships switches
    with the organisation switcher; the choice is kept in the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = _current_membership(request) if request.user.is_authenticated else None
        request.membership = membership
        request.organisation = membership.organisation if membership else None
        request.role = membership.role if membership else None
        request.memberships = SimpleLazyObject(
            lambda: (
                list(
                    request.user.memberships.filter(is_active=True, organisation__is_active=True)
                    .select_related("organisation")
                    .order_by("organisation__name")
                )
                if request.user.is_authenticated
                else []
            )
        )
        return self.get_response(request)
