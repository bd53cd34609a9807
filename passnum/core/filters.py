"""Filter fields shared by every app's django-filter FilterSets."""

import django_filters

from .numbers import BIGINT_MAX, NumberField


class NumberFilter(django_filters.NumberFilter):
    """A number typed in a list's filter, read by ``parse_number`` (ASCII digits, within a
    bigint): an unreadable value is a French message next to the filter, never a 500."""

    field_class = NumberField

    def __init__(self, *args, max_value=BIGINT_MAX, **kwargs):
        kwargs.setdefault("max_value", max_value)
        super().__init__(*args, **kwargs)
