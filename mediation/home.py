"""Panels this app adds to the home page of each role (see passnum.core.home)."""

from django.db.models import Count, Sum
from django.utils import timezone

from passnum.core.home import Panel
from passnum.directory.models import MediatorProfile, QualificationStatus
from passnum.organisations.roles import is_mediator_member, is_programme_manager

from .models import Statement, StatementStatus
from .selectors import month_redemptions
from .services import Reason, mediator_redemption_refusal


def panels(request) -> list:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    if is_mediator_member(membership):
        return _mediator_panels(membership.organisation)
    if is_programme_manager(membership):
        return _manager_panels()
    return []


def _mediator_panels(organisation) -> list:
    today = timezone.localdate()
    refusal = mediator_redemption_refusal(organisation, day=today)
    month = month_redemptions(organisation=organisation, today=today).aggregate(
        count=Count("id"), net=Sum("mediator_net_cents")
    )
    statements = list(organisation.statements.order_by("-period_start")[:6])
    return [
        Panel(
            "mediation/home/_redeem.html",
            {"refusal": Reason.MESSAGES.get(refusal) if refusal else "", "today": today},
            order=10,
        ),
        Panel(
            "mediation/home/_month.html",
            {"count": month["count"] or 0, "net": month["net"] or 0, "today": today},
            order=30,
        ),
        Panel("mediation/home/_statements.html", {"statements": statements}, order=40),
    ]


def _manager_panels() -> list:
    to_validate = Statement.objects.filter(status=StatementStatus.ISSUED).aggregate(
        count=Count("id"), net=Sum("net_cents")
    )
    applied = MediatorProfile.objects.filter(
        qualification_status=QualificationStatus.APPLIED
    ).select_related("organisation")
    return [
        Panel(
            "mediation/home/_manager.html",
            {
                "to_validate": to_validate["count"] or 0,
                "to_validate_net": to_validate["net"] or 0,
                "applied": list(applied[:10]),
            },
            order=60,
        )
    ]
