"""Panels this app adds to the home page of each role (see passnum.core.home)."""

from django.conf import settings

from passnum.core.home import Panel
from passnum.organisations.models import OrganisationKind, Role

from . import selectors
from .models import Questionnaire


def panels(request) -> list:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    kind = membership.organisation.kind
    if kind == OrganisationKind.FRONT_DESK and membership.role in (Role.EVALUATOR, Role.ORG_ADMIN):
        follow_up = selectors.referrals_needing_follow_up(membership).order_by("created_at")
        declined = selectors.referrals_for_front_desk(membership).filter(state="declined")
        return [
            Panel(
                "orientation/panels/front_desk.html",
                {
                    "follow_up": list(follow_up[:10]),
                    "follow_up_count": follow_up.count(),
                    "days": settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS,
                    "declined": list(declined.order_by("-state_changed_at")[:5]),
                },
                order=10,
            )
        ]
    if kind == OrganisationKind.MEDIATOR and membership.role in (Role.MEDIATOR, Role.ORG_ADMIN):
        waiting = selectors.referral_inbox(membership).order_by("created_at")
        return [
            Panel(
                "orientation/panels/mediator.html",
                {"waiting": list(waiting[:10]), "waiting_count": waiting.count()},
                order=10,
            )
        ]
    if membership.role == Role.PROGRAMME_MANAGER:
        return [
            Panel(
                "orientation/panels/manager.html",
                {"current": Questionnaire.objects.filter(is_current=True).first()},
                order=80,
            )
        ]
    return []
