"""The one reading of a number a person types or scans (cheque, chequebook, count, id in a URL).

Rule (``parse_number``): after removing spaces (also non-breaking) and dashes between digits,
only the ASCII digits 0-9 are a number (``'²'``, ``'١٢'``, ``'1e3'``, ``'12.0'`` are not),
within the bounds of the column it is meant for (``BIGINT_MAX`` for a cheque number,
``INTEGER_MAX`` for an id or a count); anything else is a ValidationError in French, never
another exception. ``NumberField`` is the form field, ``number_or_none`` reads a query parameter.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

#: PostgreSQL's bigint and integer (Django's BigIntegerField, IntegerField, AutoField).
BIGINT_MAX = 9_223_372_036_854_775_807
INTEGER_MAX = 2_147_483_647
SMALLINT_MAX = 32_767

#: What a person may put between digits: spaces of every kind, hyphens and dashes.
_SEPARATORS = re.compile(r"[\s\u00a0\u202f\u2010-\u2015\u2212-]+")
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)

NOT_A_NUMBER = "Saisissez un nombre en chiffres (0 à 9), par exemple 1250."


def parse_number(
    text, *, min_value: int | None = 0, max_value: int = INTEGER_MAX, signed: bool = False
) -> int:
    """``' 12-34 '`` → 1234. Rule: ASCII digits only once spaces and dashes between digits are
    removed (with ``signed``, one leading ``-`` or ``+``), within ``min_value``..``max_value``
    (the column's range); otherwise ValidationError with a French message."""
    if text is None:
        raise ValidationError(NOT_A_NUMBER, code="invalid")
    if isinstance(text, bool):
        raise ValidationError(NOT_A_NUMBER, code="invalid")
    if isinstance(text, int):
        value = text
    else:
        raw = str(text).strip()
        if raw.isascii() and raw.isdigit() and len(raw) <= 30:  # the common case, fast
            return _bounded(int(raw), min_value=min_value, max_value=max_value)
        sign = 1
        if signed and raw[:1] in ("-", "+", "\u2212"):
            sign = -1 if raw[0] != "+" else 1
            raw = raw[1:].lstrip()
        # A separator only between digits: a leading or trailing dash is not a separator.
        if not raw or not (raw[0].isascii() and raw[0].isdigit()):
            raise ValidationError(NOT_A_NUMBER, code="invalid")
        if len(raw) > 200:
            raise ValidationError(NOT_A_NUMBER, code="invalid")
        digits = _SEPARATORS.sub("", raw)
        if not _ASCII_DIGITS.fullmatch(digits) or not raw[-1].isdigit():
            raise ValidationError(NOT_A_NUMBER, code="invalid")
        if len(digits) > 30:
            raise ValidationError(
                f"Ce nombre est trop grand (au plus {_grouped(max_value)}).", code="max_value"
            )
        value = sign * int(digits)
    return _bounded(value, min_value=min_value, max_value=max_value)


def _bounded(value: int, *, min_value: int | None, max_value: int) -> int:
    if value > max_value:
        raise ValidationError(
            f"Ce nombre est trop grand (au plus {_grouped(max_value)}).", code="max_value"
        )
    if min_value is not None and value < min_value:
        raise ValidationError(
            f"Ce nombre doit être au moins {_grouped(min_value)}.", code="min_value"
        )
    return value


def number_or_none(text, *, max_value: int = INTEGER_MAX) -> int | None:
    """A number read from a URL's query parameter (an id, a page): the number, or None when the
    parameter is missing or not a number (the page then ignores it, as for an unknown id)."""
    if text in (None, ""):
        return None
    try:
        return parse_number(text, min_value=0, max_value=max_value)
    except ValidationError:
        return None


def _grouped(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


class NumberField(forms.IntegerField):
    """A whole number typed or scanned (``parse_number``): the column's bounds by default
    (``INTEGER_MAX``; ``BIGINT_MAX`` for cheque and chequebook numbers), a French message
    otherwise. A text input (a scanner types digits, a person may type spaces or dashes)."""

    default_error_messages = {"invalid": NOT_A_NUMBER}

    def __init__(self, *, max_value=INTEGER_MAX, min_value=0, signed=False, **kwargs):
        self.signed = signed
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        )
        super().__init__(max_value=max_value, min_value=min_value, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, str) and not value.strip():
            return None
        return parse_number(
            value, min_value=self.min_value, max_value=self.max_value, signed=self.signed
        )

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.TextInput) and not isinstance(widget, forms.NumberInput):
            # min/max/step only mean something on <input type="number">.
            for key in ("min", "max", "step"):
                attrs.pop(key, None)
        return attrs
