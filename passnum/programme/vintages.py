"""A vintage's validity and calendar, written once.

A cheque of year N is valid from 1 January N to 31 January N+1 (``valid_from`` and
``valid_until``, both included, in Europe/Paris). Around its end: the D-30 alert on
30 November N, the hand-over freeze from 15 December N (D-15), the end after 31 January N+1.
Hand-over, redemption, the stock figures, the radar and the daily vintage-end run all ask
here; each rule has a Python form (on one vintage) and, where a query needs it, a ``Q`` form
that a test proves equal."""

import datetime

from django.db.models import Q
from django.utils import timezone


def _today(today):
    return today or timezone.localdate()


def vintage_default_validity(year: int) -> tuple[datetime.date, datetime.date]:
    """Rule: a vintage of year N is valid from 1 January N to 31 January N+1."""
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 31)


def vintage_alert_date(vintage) -> datetime.date:
    """Rule (D-30): the desks and managers are alerted on 30 November of the vintage's year."""
    return datetime.date(vintage.year, 11, 30)


def freeze_date_of_year(year: int) -> datetime.date:
    """Rule (D-15): a vintage's hand-over freezes on 15 December of its year (Europe/Paris)."""
    return datetime.date(year, 12, 15)


def vintage_freeze_date(vintage) -> datetime.date:
    """The vintage's D-15 (``freeze_date_of_year``)."""
    return freeze_date_of_year(vintage.year)


def vintage_is_valid_on(vintage, day: datetime.date) -> bool:
    """Rule: a vintage's cheques are valid on ``day`` when it lies between ``valid_from`` and
    ``valid_until``, both included."""
    return vintage.valid_from <= day <= vintage.valid_until


def vintage_has_ended(vintage, *, today=None) -> bool:
    """Rule: a vintage has ended once today (Europe/Paris) is after its last valid day
    (31 January N+1). Its chequebooks are then neither allocated, transferred nor handed out,
    and they leave the stock figures (they are counted on the vintage's reconciliation)."""
    return _today(today) > vintage.valid_until


def ongoing_q(prefix: str = "vintage__", *, today=None) -> Q:
    """``not vintage_has_ended`` as a query filter (``prefix`` leads to the vintage)."""
    return Q(**{f"{prefix}valid_until__gte": _today(today)})


def vintage_is_frozen(vintage, *, today=None) -> bool:
    """Rule: a vintage's hand-over is frozen when a manager froze it, or from 15 December N
    (D-15, Europe/Paris, from midnight) unless a manager lifted the freeze. The date decides,
    not the daily task: nothing is handed out between midnight and the task's run."""
    if vintage.handover_frozen:
        return True
    return not vintage.freeze_lifted and _today(today) >= vintage_freeze_date(vintage)


def not_frozen_q(prefix: str = "vintage__", *, today=None) -> Q:
    """``not vintage_is_frozen`` as a query filter: not frozen by hand, and before its D-15
    (which falls within the vintage's year) or with the freeze lifted. The vintages not frozen
    by date are those of this year if this year's D-15 has not come, and those of later years."""
    today = _today(today)
    this_year_frozen = today >= freeze_date_of_year(today.year)
    min_year = today.year + 1 if this_year_frozen else today.year
    return Q(**{f"{prefix}handover_frozen": False}) & (
        Q(**{f"{prefix}freeze_lifted": True}) | Q(**{f"{prefix}year__gte": min_year})
    )


def vintage_freeze_lift_is_final(*, vintage, today=None) -> bool:
    """Rule: a freeze lifted on or after the vintage's D-15 is marked lifted by a manager, so the
    automatic freeze does not come back; lifted before that date it only unfreezes, and the
    D-15 freeze still comes."""
    return _today(today) >= vintage_freeze_date(vintage)


def vintage_is_distributable(vintage, *, today=None) -> bool:
    """Rule: a vintage's chequebooks may be handed out when its hand-over is not frozen
    (``vintage_is_frozen``) and today (Europe/Paris) is within its validity."""
    today = _today(today)
    return not vintage_is_frozen(vintage, today=today) and vintage_is_valid_on(vintage, today)


def distributable_q(prefix: str = "vintage__", *, today=None) -> Q:
    """``vintage_is_distributable`` as a query filter."""
    today = _today(today)
    return (
        not_frozen_q(prefix, today=today)
        & Q(**{f"{prefix}valid_from__lte": today})
        & ongoing_q(prefix, today=today)
    )


def vintage_in_alert_window(vintage, *, today=None) -> bool:
    """Rule: from its D-30 (30 November N) until its last valid day, a vintage's alert is due
    (sent once: ``alert_sent_at``)."""
    return vintage_alert_date(vintage) <= _today(today) <= vintage.valid_until


def expiring_within_q(days: int, prefix: str = "vintage__", *, today=None) -> Q:
    """Rule: a vintage is expiring soon when it has not ended and its last valid day falls
    within ``days`` days from today."""
    today = _today(today)
    return ongoing_q(prefix, today=today) & Q(
        **{f"{prefix}valid_until__lte": today + datetime.timedelta(days=days)}
    )
