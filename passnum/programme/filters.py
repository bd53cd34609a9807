import django_filters
from django import forms
from django.db.models import Q

from passnum.territory.models import Commune, Epci


class CommuneFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Nom, code postal ou code INSEE",
        method="search",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    epci = django_filters.ModelChoiceFilter(
        label="EPCI", queryset=Epci.objects.order_by("name"), empty_label="Tous les EPCI"
    )

    class Meta:
        model = Commune
        fields = ["q", "epci"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value) | Q(postcodes__icontains=value) | Q(insee_code=value)
        )
