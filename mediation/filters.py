import django_filters
from django.db.models import Q

from passnum.directory.models import QualificationStatus
from passnum.organisations.models import Organisation
from passnum.territory.models import Epci


class MediatorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Nom", method="filter_q")
    qualification = django_filters.ChoiceFilter(
        label="Qualification",
        field_name="mediator_profile__qualification_status",
        choices=QualificationStatus.choices,
        empty_label="Toutes",
    )
    epci = django_filters.ModelChoiceFilter(
        label="Intercommunalité",
        field_name="epci",
        queryset=Epci.objects.all(),
        empty_label="Toutes",
    )

    class Meta:
        model = Organisation
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(mediator_profile__legal_name__icontains=value)
        )
