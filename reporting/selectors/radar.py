"""The radar's lists: what to act on now, read live (paginated)."""

from django.db.models import Max, Q, Sum
from django.utils import timezone

from chequebooks.models import Chequebook
from orientation.models import Referral
from passnum.organisations.models import Organisation
from passnum.programme.vintages import expiring_within_q

from ..models import ChequebookTally
from .definitions import idle_stock_q
from .scope import Filters, live_epci_filter, tally_rows


def chequebooks_in_scope(filters: Filters):
    """Chequebooks the filters select; an EPCI's are those of its envelope (EPCI_FIELDS, live:
    LIVE_EPCI_LOOKUPS)."""
    qs = Chequebook.objects.filter(live_epci_filter(Chequebook, filters))
    if filters.side:
        qs = qs.filter(envelope__side=filters.side)
    if filters.vintage_id:
        qs = qs.filter(vintage_id=filters.vintage_id)
    if filters.organisation_id:
        qs = qs.filter(
            Q(holder_id=filters.organisation_id)
            | Q(handed_out_by_organisation_id=filters.organisation_id)
        )
    return qs


def radar_stale_stock(filters: Filters, *, today=None):
    """The idle stock (chequebooks' ``idle_stock_q``) in the filters' scope. Read live: the
    radar's number counts this very list."""
    return (
        chequebooks_in_scope(filters)
        .filter(idle_stock_q(today=today))
        .select_related("holder", "vintage", "envelope__epci")
        .order_by("allocated_at", "number")
    )


def radar_not_started_by_front_desk(filters: Filters):
    """Front desks whose chequebooks were handed out more than PASSNUM_RADAR_NOT_STARTED_DAYS
    days ago and never started, with how many (from the tallies: the same figures as the
    dashboard's radar, whose numbers link here)."""
    rows = (
        tally_rows(ChequebookTally, filters)
        .filter(not_started__gt=0)
        .exclude(front_desk_id=None)
        .values("front_desk_id")
        .annotate(chequebooks=Sum("not_started"))
        .order_by("-chequebooks", "front_desk_id")
    )
    return _with_organisations(list(rows), "front_desk_id")


def radar_expiring_by_front_desk(filters: Filters, *, days: int, today=None):
    """Front desks with cheques still unused (at the desk or in people's hands) of vintages
    that end within ``days`` days (from the tallies, like the dashboard's radar), and the
    programme's own stock (not yet allocated to a desk) apart: ``(rows, programme_stock)``,
    which add up to the radar's number."""
    today = today or timezone.localdate()
    rows = (
        tally_rows(ChequebookTally, filters)
        .filter(expiring_within_q(days, today=today), usable__gt=0)
        .values("front_desk_id")
        .annotate(n_usable=Sum("usable"), n_handed=Sum("handed"), until=Max("vintage__valid_until"))
        .order_by("-n_handed", "front_desk_id")
    )
    rows = list(rows)
    programme_stock = sum(r["n_usable"] or 0 for r in rows if r["front_desk_id"] is None)
    rows = [r for r in rows if r["front_desk_id"] is not None]
    for r in rows:
        # A chequebook with a front desk is at the desk or handed out: its usable cheques are
        # at the desk or in the person's hands.
        r["handed_out"] = r["n_handed"] or 0
        r["at_front_desk"] = (r["n_usable"] or 0) - r["handed_out"]
    return _with_organisations(rows, "front_desk_id"), programme_stock


def _with_organisations(rows, key):
    orgs = Organisation.objects.in_bulk([r[key] for r in rows if r[key]])
    for r in rows:
        r["organisation"] = orgs.get(r[key])
    return [r for r in rows if r["organisation"] is not None]


def radar_referrals_overdue(filters: Filters, *, today=None):
    """Referrals to follow up (``Referral.objects.overdue``: still proposed, made before
    00:00 Europe/Paris PASSNUM_REFERRAL_FOLLOW_UP_DAYS days ago; the front desk's home and
    the tallies draw the same boundary). Read live: the radar's number counts this very list.
    Filtered by vintage, those that came with a chequebook of that vintage."""
    qs = Referral.objects.overdue(today=today).filter(live_epci_filter(Referral, filters))
    if filters.side:
        qs = qs.filter(from_organisation__side=filters.side)
    if filters.organisation_id:
        qs = qs.filter(
            Q(from_organisation_id=filters.organisation_id) | Q(mediator_id=filters.organisation_id)
        )
    if filters.vintage_id:  # the vintage of the chequebook the referral came with, if any
        qs = qs.filter(chequebook__vintage_id=filters.vintage_id)
    return qs.select_related(
        "from_organisation", "mediator", "place", "chequebook__vintage"
    ).order_by("created_at")
