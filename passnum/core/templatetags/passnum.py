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
