import django_filters

from passnum.core.filters import NumberFilter
from passnum.programme.models import Envelope, Vintage

from .models import Chequebook, ChequebookState, awaiting_receipt_q


class ChequebookFilter(django_filters.FilterSet):
    number = NumberFilter(label="Numéro")
    state = django_filters.ChoiceFilter(
        label="État", choices=ChequebookState.choices, empty_label="Tous"
    )
    vintage = django_filters.ModelChoiceFilter(
        label="Millésime", queryset=Vintage.objects.all(), empty_label="Tous"
    )
    envelope = django_filters.ModelChoiceFilter(
        label="Enveloppe", queryset=Envelope.objects.select_related("epci"), empty_label="Toutes"
    )
    awaiting_receipt = django_filters.BooleanFilter(
        label="En attente de réception", method="filter_awaiting"
    )

    class Meta:
        model = Chequebook
        fields = ["number", "state", "vintage", "envelope"]

    def filter_awaiting(self, queryset, name, value):
        if value is None:
            return queryset
        cond = awaiting_receipt_q()
        return queryset.filter(cond) if value else queryset.exclude(cond)
