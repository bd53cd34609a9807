import django_filters
from django import forms
from django.db.models import Q

from passnum.audit.models import JournalEntry
from passnum.organisations.models import Organisation


class JournalFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(
        label="Personne (nom ou e-mail)",
        method="filter_person",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    organisation = django_filters.ModelChoiceFilter(
        label="Organisation",
        queryset=Organisation.objects.order_by("name"),
        empty_label="Toutes",
    )
    action = django_filters.CharFilter(
        label="Action (code)",
        lookup_expr="startswith",
        help_text="Son début suffit : « programme. »",
    )
    date_from = django_filters.DateFilter(
        label="Du",
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label="Au",
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = JournalEntry
        fields = ["person", "organisation", "action", "date_from", "date_to"]

    def filter_person(self, queryset, name, value):
        value = value.strip()
        condition = Q(actor__email__icontains=value)
        for word in value.split():
            condition |= Q(actor__first_name__icontains=word) | Q(actor__last_name__icontains=word)
        return queryset.filter(condition)
