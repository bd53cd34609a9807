"""Form fields shared by every app."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from .money import NBSP

#: An amount once its spaces and euro sign are removed: ASCII digits, one decimal separator.
_EUROS = re.compile(r"-?[0-9]{1,13}([.,][0-9]*)?", re.ASCII)


def parse_euros(text: str) -> int:
    """``"1 064 920,50"`` (or ``1064920.5``, with or without ``€``) → 106492050 cents.

    Rule: amounts are typed in euros the French way and stored as integer cents; more than two
    decimals is refused rather than rounded; only ASCII digits (no ``²``, no ``1e5``), at most
    13 digits of euros; anything else is a ValidationError in French, never another error."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", str(text))
    if not _EUROS.fullmatch(cleaned):
        raise ValidationError("Saisissez un montant en euros, par exemple 1 250,00.")
    value = Decimal(cleaned.replace(",", "."))
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValidationError("Un montant a au plus deux chiffres après la virgule.")
    return int(cents)


def cents_to_input(cents: int | None) -> str:
    """The value shown in an input: ``106492050`` → ``"1 064 920,50"``."""
    if cents is None:
        return ""
    euros, rest = divmod(int(cents), 100)
    return f"{euros:,}".replace(",", " ") + f",{rest:02d}"


class EurosField(forms.CharField):
    """An amount typed in euros (``1 250,00``) whose cleaned value is integer cents."""

    def __init__(self, *, min_cents: int | None = 0, **kwargs):
        self.min_cents = min_cents
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        kwargs.setdefault("help_text", "En euros, par exemple 1 250,00.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return cents_to_input(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        cents = parse_euros(value)
        if self.min_cents is not None and cents < self.min_cents:
            raise ValidationError("Le montant ne peut pas être négatif.")
        return cents


__all__ = ["EurosField", "parse_euros", "cents_to_input", "NBSP"]


def form_add_service_errors(form, exc: ValidationError, *, fallback_field: str | None = None):
    """Put a service's ValidationError on the form, next to the fields it names.

    Rule: an error naming a field of the form goes next to that field; an error naming no field
    of the form, or a plain message, goes on ``fallback_field`` (None: the form's own errors, shown
    at the top). Every view that turns a service's refusal into a form error calls this."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else fallback_field, errors)
    else:
        form.add_error(fallback_field, exc.messages)
