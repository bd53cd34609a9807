"""The dashboard's breakdown tables, built where they are shown (the page and the PDF report).

The dashboard's context (``reporting.selectors.dashboard``) carries each breakdown's rows; the
template turns them into the breakdown's django-tables2 table here, so the periodic report's
service never imports the presentation layer."""

from django import template

from ..tables import BREAKDOWNS

register = template.Library()


@register.simple_tag
def breakdown_table(name, rows):
    """``{% breakdown_table "epci" breakdown_rows.epci as table %}``: the breakdown's table."""
    _, table_class = BREAKDOWNS[name]
    return table_class(rows, prefix=f"{name}-")
