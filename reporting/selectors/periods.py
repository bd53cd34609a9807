"""The dashboard's period: its one rule of validity and its whole months."""

import datetime

from django.db.models import Q

from passnum.core.bounds import date_bounds_error
from passnum.core.dates import month_start, next_month, paris_midnight

PERIOD_ORDER_MESSAGE = "La fin de la période doit suivre son début."


def period_error(start: datetime.date | None, end: datetime.date | None) -> str | None:
    """Rule: a period ends on or after the day it starts (either end may be left open), both
    within the programme's years (``passnum.core.bounds``). Returns the French message to show
    next to its end, or None when the period is valid. The dashboard's filters, the report's
    form and ``report_request`` all ask here."""
    bounds = date_bounds_error(start) or date_bounds_error(end)
    if bounds:
        return bounds
    if start and end and end < start:
        return PERIOD_ORDER_MESSAGE
    return None


def period_months(
    start: datetime.date | None, end: datetime.date | None
) -> tuple[datetime.date | None, datetime.date | None]:
    """Rule: a period counts by whole months (Europe/Paris), from the month of its start to
    the month of its end included, on the dashboard, in the report and in the detailed
    export alike. Returns the first day of the start's month and the first day of the month
    after the end's month (excluded); either is None when that end is open."""
    first = month_start(start) if start else None
    after = next_month(end) if end else None
    return first, after


def period_q(field: str, filters) -> Q:
    """``period_months`` of the filters' period as a filter on a date-time field
    (``handed_out_at``...), from 00:00 Europe/Paris of its first day."""
    first, after = period_months(filters.period_start, filters.period_end)
    q = Q()
    if first:
        q &= Q(**{f"{field}__gte": paris_midnight(first)})
    if after:
        q &= Q(**{f"{field}__lt": paris_midnight(after)})
    return q
