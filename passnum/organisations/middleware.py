from .selectors import membership_choose, memberships_active_of

SESSION_KEY = "passnum_membership_id"


class CurrentOrganisationMiddleware:
    """Sets ``request.membership`` (the person's current membership, or None), and with it
    ``request.organisation`` and ``request.role``; ``request.memberships`` (those of active
    organisations, for the switcher) and ``request.memberships_all`` (every active membership,
    for the MFA requirement). One query per request for all of them (memberships_active_of),
    none for an anonymous visitor. A person with several memberships switches with the
    organisation switcher; the choice is kept in the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            everything = memberships_active_of(request.user)
            membership = membership_choose(everything, request.session.get(SESSION_KEY))
        else:
            everything, membership = [], None
        request.memberships_all = everything
        request.memberships = [m for m in everything if m.organisation.is_active]
        request.membership = membership
        request.organisation = membership.organisation if membership else None
        request.role = membership.role if membership else None
        return self.get_response(request)
