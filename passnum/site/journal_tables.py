import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format

from passnum.audit.models import JournalEntry


class JournalTable(tables.Table):
    caption = "Entrées du journal"
    created_at = tables.Column(verbose_name="Date")
    sentence = tables.Column(verbose_name="Événement", accessor="sentence", orderable=False)
    organisation = tables.Column(
        verbose_name="Pour l'organisation", order_by=("organisation__name",), default="—"
    )
    action = tables.Column(verbose_name="Code de l'action")

    class Meta:
        model = JournalEntry
        fields = ["created_at", "sentence", "organisation", "action"]
        empty_text = "Aucune entrée ne correspond à ces critères."

    def render_created_at(self, value):
        return date_format(timezone.localtime(value), "j F Y, H:i")
