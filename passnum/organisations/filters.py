import django_filters
from django import forms

from passnum.territory.models import Epci, Side

from .models import FrontDeskType, Organisation, OrganisationKind


class OrganisationFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(
        label="Nom", lookup_expr="icontains", widget=forms.TextInput(attrs={"type": "search"})
    )
    kind = django_filters.ChoiceFilter(
        label="Type", choices=OrganisationKind.choices, empty_label="Tous les types"
    )
    side = django_filters.ChoiceFilter(label="Côté", choices=Side.choices, empty_label="Tous")
    front_desk_type = django_filters.ModelChoiceFilter(
        label="Type d'accueil", queryset=FrontDeskType.objects.all(), empty_label="Tous"
    )
    epci = django_filters.ModelChoiceFilter(
        label="EPCI", queryset=Epci.objects.order_by("name"), empty_label="Tous les EPCI"
    )
    is_active = django_filters.BooleanFilter(
        label="Active",
        widget=forms.Select(choices=[("", "Toutes"), ("true", "Actives"), ("false", "Inactives")]),
    )

    class Meta:
        model = Organisation
        fields = ["name", "kind", "side", "front_desk_type", "epci", "is_active"]
