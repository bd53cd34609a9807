"""{% load papers %}: what every printed paper shares."""

from django import template

from passnum.programme.selectors import paper_issuer

register = template.Library()


@register.inclusion_tag("pdf/_issuer.html")
def issuer_block():
    """{% issuer_block %}: the issuer of the paper (selectors.paper_issuer)."""
    return {"issuer": paper_issuer()}
