import datetime

from django import forms
from django.utils import timezone

from .models import ExportJob


def _last_month():
    first = timezone.localdate().replace(day=1)
    end = first - datetime.timedelta(days=1)
    return end.replace(day=1), end


class ReportForm(forms.Form):
    period_start = forms.DateField(
        label="Début de la période",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    period_end = forms.DateField(
        label="Fin de la période", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start, end = _last_month()
        self.fields["period_start"].initial = start
        self.fields["period_end"].initial = end

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "La fin de la période doit suivre son début.")
        return data


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label="Format", choices=ExportJob.Format.choices, initial=ExportJob.Format.XLSX
    )
