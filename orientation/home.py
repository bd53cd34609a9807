"""Panels this app adds to the home page of each role (see passnum.core.home)."""

from django.conf import settings

from passnum.core.home import Panel
from passnum.organisations.roles import (
    is_front_desk_agent,
    is_mediator_member,
    is_programme_manager,
)

from . import selectors
from .models import Questionnaire, ReferralState


def panels(request) -> list:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    if is_front_desk_agent(membership):
        follow_up = selectors.referrals_needing_follow_up(membership).order_by("created_at")
        declined = selectors.referrals_for_front_desk(membership).filter(
            state=ReferralState.DECLINED
        )
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
    if is_mediator_member(membership):
        waiting = selectors.referral_inbox(membership).order_by("created_at")
        return [
            Panel(
                "orientation/panels/mediator.html",
                {"waiting": list(waiting[:10]), "waiting_count": waiting.count()},
                order=10,
            )
        ]
    if is_programme_manager(membership):
        return [
            Panel(
                "orientation/panels/manager.html",
                {"current": Questionnaire.objects.filter(is_current=True).first()},
                order=80,
            )
        ]
    return []
