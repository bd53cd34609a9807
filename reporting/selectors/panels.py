"""Home figures (live, one organisation)."""

from django.db.models import Count, Q, Sum
from django.utils import timezone

from chequebooks.models import Chequebook, ChequebookState
from mediation.models import Redemption, StatementStatus
from orientation.models import Referral, ReferralState
from passnum.core.dates import month_start, paris_midnight


def front_desk_figures(organisation) -> dict:
    cb = Chequebook.objects.aggregate(
        stock=Count("pk", filter=Q(holder=organisation, state=ChequebookState.AT_FRONT_DESK)),
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
    today = today or timezone.localdate()
    since = paris_midnight(month_start(today))
    return Redemption.objects.filter(mediator=organisation).aggregate(
        this_month=Count("pk", filter=Q(redeemed_at__gte=since)),
        total=Count("pk"),
        paid_cents=Sum("mediator_net_cents", filter=Q(statement__status=StatementStatus.PAID)),
    )
