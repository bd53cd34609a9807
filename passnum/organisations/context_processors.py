"""What every page knows of the person: the membership they act for and what its role allows.

Templates show a menu entry or a button by asking ``can`` (the role predicates of
``passnum.organisations.roles``), never by comparing role codes themselves."""

from . import roles


def current_organisation(request):
    membership = getattr(request, "membership", None)
    organisation = getattr(request, "organisation", None)
    return {
        "current_membership": membership,
        "current_organisation": organisation,
        "can": {
            "manage_programme": roles.is_programme_manager(membership),
            "coordinate": roles.is_coordinating(membership),
            "work_at_front_desk": roles.is_front_desk_agent(membership),
            "mediate": roles.is_mediator_member(membership),
            "manage_team": roles.may_manage_team(membership, organisation),
            "observe": roles.is_state_observer(membership),
            "read_figures": roles.reads_figures(membership),
        },
    }
