import django_tables2 as tables

from passnum.audit.models import JournalEntry
from passnum.core.text import french_date


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
        return french_date(value, time=True)
