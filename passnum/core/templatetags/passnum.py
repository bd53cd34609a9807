from django import template

from passnum.core.money import format_cents, format_number, format_percent

register = template.Library()


@register.filter
def euros(cents):
    """{{ amount_cents|euros }} → 1 064 920,00 €"""
    return format_cents(cents)


@register.filter
def number(value):
    """{{ 9000|number }} → 9 000"""
    return format_number(value)


@register.simple_tag
def percent(part, whole):
    return format_percent(part, whole)


@register.filter
def iban(value):
    """{{ "FR7630006000011234567890189"|iban }} → FR76 3000 6000 0112 3456 7890 189 (the
    printed form of an IBAN, in groups of four)."""
    compact = "".join(str(value or "").split())
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
