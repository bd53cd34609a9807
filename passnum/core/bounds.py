"""Sensible bounds for the dates people type, written once.

Rule: a date of the programme's life (a period, an agreement, a payment, a vintage) lies
between ``PROGRAMME_EARLIEST`` and ``PROGRAMME_LATEST``; a date that has happened (a signature,
a payment, a birth) is not after today (Europe/Paris); a birth date is at most
``BIRTH_MAX_YEARS`` ago. ``date_bounds_error`` says why not in French; ``BoundedDateField`` shows
it next to the field; ``date_validator`` puts it on any DateField or DateFilter."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

PROGRAMME_EARLIEST = datetime.date(2000, 1, 1)
PROGRAMME_LATEST = datetime.date(2099, 12, 31)
BIRTH_MAX_YEARS = 120


def _fr(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def birth_earliest(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return datetime.date(today.year - BIRTH_MAX_YEARS, 1, 1)


def date_bounds_error(
    value: datetime.date | None,
    *,
    earliest: datetime.date | None = PROGRAMME_EARLIEST,
    latest: datetime.date | None = PROGRAMME_LATEST,
    not_future: bool = False,
) -> str | None:
    """The French message when ``value`` lies outside ``earliest``..``latest`` (or after today
    with ``not_future``), None when it is within (or empty)."""
    if value is None:
        return None
    if not_future:
        today = timezone.localdate()
        if value > today:
            return f"Cette date est dans le futur : au plus tard aujourd'hui ({_fr(today)})."
    if earliest and value < earliest:
        return f"Cette date est trop ancienne : au plus tôt le {_fr(earliest)}."
    if latest and value > latest:
        return f"Cette date est trop lointaine : au plus tard le {_fr(latest)}."
    return None


def date_validator(*, earliest=PROGRAMME_EARLIEST, latest=PROGRAMME_LATEST, not_future=False):
    """A form validator of ``date_bounds_error``; ``earliest`` may be a callable (read at each
    validation: ``birth_earliest``)."""

    def validate(value):
        low = earliest() if callable(earliest) else earliest
        error = date_bounds_error(value, earliest=low, latest=latest, not_future=not_future)
        if error:
            raise ValidationError(error, code="date_bounds")

    return validate


class BoundedDateField(forms.DateField):
    """A date typed in a form, within ``date_bounds_error``'s bounds (the programme's years by
    default), its message next to the field."""

    def __init__(self, *, earliest=PROGRAMME_EARLIEST, latest=PROGRAMME_LATEST, not_future=False,
                 **kwargs):  # fmt: skip
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)
        self.validators.append(
            date_validator(earliest=earliest, latest=latest, not_future=not_future)
        )
