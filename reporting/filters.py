"""The dashboard's filters (django-filter renders and validates them)."""

import django_filters
from django import forms

from passnum.core.bounds import date_validator
from passnum.programme.models import Vintage
from passnum.territory.models import Epci, Side

from .models import ChequebookTally
from .selectors import Filters, organisation_choices, period_error, scope_epci_id

DATE_INPUT = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


class FastSelect(forms.Select):
    """A select whose options are written in one template (hundreds of organisations)."""

    template_name = "reporting/widgets/select.html"


class DashboardFilterForm(forms.Form):
    def clean(self):
        """The period's rule (``period_error``), its message next to the period's end."""
        data = super().clean()
        error = period_error(data.get("period_start"), data.get("period_end"))
        if error:
            self.add_error("period_end", error)
        return data


class DashboardFilter(django_filters.FilterSet):
    vintage = django_filters.ModelChoiceFilter(
        label="Millésime", queryset=Vintage.objects.order_by("year"), empty_label="Tous",
        method="keep", widget=FastSelect,
    )  # fmt: skip
    period_start = django_filters.DateFilter(
        label="Du", method="keep", widget=forms.DateInput(**DATE_INPUT),
        validators=[date_validator()],
        help_text="Remises et encaissements à partir de ce mois.",
    )  # fmt: skip
    period_end = django_filters.DateFilter(
        label="Au", method="keep", widget=forms.DateInput(**DATE_INPUT),
        validators=[date_validator()],
        help_text="Jusqu'à la fin de ce mois.",
    )  # fmt: skip
    side = django_filters.ChoiceFilter(
        label="Côté",
        choices=Side.choices,
        empty_label="Les deux",
        method="keep",
        widget=FastSelect,
    )
    epci = django_filters.ModelChoiceFilter(
        label="EPCI", queryset=Epci.objects.filter(is_partner=True).order_by("name"),
        empty_label="Tous", method="keep", widget=FastSelect,
    )  # fmt: skip
    organisation = django_filters.ModelChoiceFilter(
        label="Structure",
        queryset=None,
        empty_label="Toutes",
        method="keep",
        widget=FastSelect,
    )

    class Meta:
        model = ChequebookTally
        fields: list = []
        form = DashboardFilterForm

    def __init__(self, *args, membership=None, **kwargs):
        super().__init__(*args, queryset=ChequebookTally.objects.none(), **kwargs)
        self.membership = membership
        self.filters["organisation"].queryset = organisation_choices(membership)
        if scope_epci_id(membership):
            # Rule: filters that apply to the viewer. An EPCI coordinator's figures are its
            # EPCI's envelope, always of the EPCI side: neither an EPCI nor a side to choose.
            del self.filters["epci"]
            del self.filters["side"]

    def keep(self, queryset, name, value):
        return queryset

    def to_filters(self) -> Filters:
        # A field in error (shown next to it) is left out; the valid ones still apply.
        form = self.form
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        return Filters(
            vintage_id=getattr(data.get("vintage"), "pk", None),
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
            side=data.get("side") or "",
            epci_id=getattr(data.get("epci"), "pk", None),
            organisation_id=getattr(data.get("organisation"), "pk", None),
            scope_epci_id=scope_epci_id(self.membership),
        )
