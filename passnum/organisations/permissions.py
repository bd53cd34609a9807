"""The one permission layer: every view states the roles it serves, and looks objects up
through a queryset scoped to the request's current organisation, so a guessed id is a 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Role
from .roles import FRONT_DESK_ROLES, MEDIATOR_ROLES

MANAGERS = (Role.PROGRAMME_MANAGER,)
COORDINATORS = (Role.PROGRAMME_MANAGER, Role.EPCI_COORDINATOR)
FRONT_DESK = FRONT_DESK_ROLES
MEDIATION = MEDIATOR_ROLES
#: Who reads the programme's figures (``roles.reads_figures``): coordinators and the State's
#: observers. Such a page answers the observer's GET only; its POST stays the coordinators'.
FIGURE_READERS = (Role.PROGRAMME_MANAGER, Role.EPCI_COORDINATOR, Role.STATE_OBSERVER)
#: The team pages (members, invitations); the services then apply ``roles.may_manage_team``.
TEAM_MANAGERS = (Role.PROGRAMME_MANAGER, Role.ORG_ADMIN)


def role_required(*roles, kinds=None):
    """View decorator: the request's current membership must have one of ``roles`` (and its
    organisation one of ``kinds`` when given). Anything else is a 404, so that a page's
    existence is not revealed to someone who may not see it."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request, *roles, kinds=kinds):
                raise Http404("Page introuvable")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def has_role(request, *roles, kinds=None) -> bool:
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in roles:
        return False
    return not (kinds and membership.organisation.kind not in kinds)


def get_scoped_or_404(queryset, **lookup):
    """``get_object_or_404`` on a queryset already scoped to the request's organisation."""
    return get_object_or_404(queryset, **lookup)
