"""Home figures (live, one organisation)."""

from django.db.models import Count, Q, Sum

from chequebooks.models import Chequebook
from chequebooks.selectors import desk_stock
from mediation.models import Redemption
from mediation.selectors import month_redemptions
from orientation.models import Referral, ReferralState

from .definitions import paid_q


def front_desk_figures(organisation) -> dict:
    """The front desk's home figures: its stock (chequebooks' ``desk_stock``: the same number as
    the chequebooks panel's "in hand"), the chequebooks it handed out, its referrals by state."""
    cb = Chequebook.objects.aggregate(
        stock=Count("pk", filter=Q(pk__in=desk_stock(organisation).values("pk"))),
        handed_out=Count("pk", filter=Q(handed_out_by_organisation=organisation)),
    )
    refs = dict(
        Referral.objects.filter(from_organisation=organisation)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    return {
        **cb,
        "referrals": [(label, refs.get(value, 0)) for value, label in ReferralState.choices],
        "referrals_total": sum(refs.values()),
    }


def mediator_figures(organisation, *, today=None) -> dict:
    """The mediator's home figures: this month's redemptions (mediation's
    ``month_redemptions``, the same month as its own panel), all of them, and what was paid
    (``paid_q``: the dashboard's "payé aux médiateurs" for this mediator)."""
    this_month = month_redemptions(organisation=organisation, today=today)
    return Redemption.objects.filter(mediator=organisation).aggregate(
        this_month=Count("pk", filter=Q(pk__in=this_month.values("pk"))),
        total=Count("pk"),
        paid_cents=Sum("mediator_net_cents", filter=paid_q()),
    )
