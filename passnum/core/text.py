"""French text, written once: ordinal day numbers, phone numbers, plurals.

- « 1er janvier 2026 », « 2 janvier 2026 » (French writes the first day of a month as an
  ordinal): ``french_date``.
- « 05 65 68 11 22 »: a French phone number in groups of two (``french_phone``).
- « 0 chèque », « 1 chèque », « 2 chèques »: French takes the singular for 0 and 1
  (``french_plural``, through ``ngettext`` so a translation catalogue still applies)."""

import datetime

from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import ngettext

from .dates import PARIS

NBSP = "\u00a0"


def french_date(value, *, year: bool = True, time: bool = False, weekday: bool = False) -> str:
    """« 1er janvier 2026 » (Europe/Paris for a datetime); ``time`` adds « à 14:05 »,
    ``weekday`` puts the day's name first (« lundi 1er juin 2026 »)."""
    if value in (None, ""):
        return ""
    clock = None
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(PARIS)
        clock = value
        value = value.date()
    day = "1er" if value.day == 1 else str(value.day)
    text = f"{day} {MONTHS[value.month]}"
    if weekday:
        text = f"{WEEKDAYS[value.weekday()].lower()} {text}"
    if year:
        text = f"{text} {value.year}"
    if time and clock is not None:
        text = f"{text} à {clock:%H:%M}"
    return text


def french_phone(value) -> str:
    """A French number in groups of two: « 0565681122 » → « 05 65 68 11 22 »; « +33 5 65 68
    11 22 » → « +33 5 65 68 11 22 ». Anything else is given back as typed."""
    text = str(value or "").strip()
    digits = "".join(c for c in text if c.isdigit())
    if text.startswith("+33") and len(digits) == 11:
        national = digits[2:]
        return "+33 " + national[0] + " " + _pairs(national[1:])
    if len(digits) == 10 and digits.startswith("0") and len(text) <= 14:
        return _pairs(digits)
    return text


def _pairs(digits: str) -> str:
    return NBSP.join(digits[i : i + 2] for i in range(0, len(digits), 2))


def french_plural(count, singular: str, plural: str) -> str:
    """The word (or words) for ``count``: singular for 0 and 1 in French, else plural.
    ``ngettext`` chooses, asked with 1 for 0 (its fallback rule is English's)."""
    n = abs(int(count or 0))
    return ngettext(singular, plural, 1 if n < 2 else n)


def french_count(count, singular: str, plural: str) -> str:
    """« 0 chèque », « 1 chèque », « 2 chèques », « 1 250 chèques »."""
    n = int(count or 0)
    grouped = f"{n:,}".replace(",", NBSP)
    return f"{grouped} {french_plural(n, singular, plural)}"
