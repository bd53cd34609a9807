"""The foundation's panels on the home pages: an admin's team, a manager's invitations."""

from passnum.core.home import Panel

from .roles import is_programme_manager, may_manage_team
from .selectors import invitations_pending


def panels(request) -> list[Panel]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    if is_programme_manager(membership):
        pending = invitations_pending()
        return [
            Panel(
                "organisations/panels/invitations.html",
                {"count": pending.count(), "invitations": list(pending[:5])},
                order=900,
            )
        ]
    organisation = membership.organisation
    if may_manage_team(membership, organisation):
        return [
            Panel(
                "organisations/panels/team.html",
                {
                    "organisation": organisation,
                    "active_members": organisation.memberships.filter(is_active=True).count(),
                    "invitations": list(invitations_pending(organisation)[:5]),
                },
                order=900,
            )
        ]
    return []
