import datetime

from django import forms
from django.utils import timezone

from passnum.core.bounds import BoundedDateField
from passnum.core.dates import month_start, previous_month

from .models import ExportJob
from .selectors import period_error


def _last_month():
    """Last month's first and last days (the form's initial period)."""
    today = timezone.localdate()
    return previous_month(today), month_start(today) - datetime.timedelta(days=1)


class ReportForm(forms.Form):
    period_start = BoundedDateField(label="Début de la période")
    period_end = BoundedDateField(label="Fin de la période")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start, end = _last_month()
        self.fields["period_start"].initial = start
        self.fields["period_end"].initial = end

    def clean(self):
        """The period's rule (``period_error``), its message next to the period's end."""
        data = super().clean()
        error = period_error(data.get("period_start"), data.get("period_end"))
        if error:
            self.add_error("period_end", error)
        return data


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label="Format", choices=ExportJob.Format.choices, initial=ExportJob.Format.XLSX
    )
