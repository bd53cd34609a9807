"""Days, months and midnights in Europe/Paris, written once.

The programme's days are French days: a day starts at 00:00 Europe/Paris, a month on its
first day. Every boundary a query draws (this month's redemptions, overdue referrals, the
dashboard's period) is built with these."""

import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def paris_midnight(day: datetime.date) -> datetime.datetime:
    """The instant ``day`` starts in Europe/Paris (00:00 local time)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=PARIS)


def month_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s."""
    first = day.replace(day=1)
    return (first + datetime.timedelta(days=32)).replace(day=1)


def previous_month(day: datetime.date) -> datetime.date:
    """The first day of the month before ``day``'s."""
    return (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
