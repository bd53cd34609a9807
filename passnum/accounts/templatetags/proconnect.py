"""``{% proconnect_enabled as on %}``: whether the ProConnect button is offered."""

from django import template

from ..services import proconnect_enabled as _enabled

register = template.Library()


@register.simple_tag
def proconnect_enabled() -> bool:
    return _enabled()
