import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from passnum.core.money import format_cents
from passnum.directory.models import QualificationStatus

BADGES = {
    QualificationStatus.APPLIED: "badge-info",
    QualificationStatus.QUALIFIED: "badge-success",
    QualificationStatus.SUSPENDED: "badge-warning",
    QualificationStatus.DISQUALIFIED: "badge-danger",
}


class MediatorTable(tables.Table):
    name = tables.Column(
        "Structure", linkify=lambda record: reverse("mediation:mediator_detail", args=[record.pk])
    )
    commune = tables.Column("Commune", accessor="commune__name", default="—")
    qualification = tables.Column(
        "Qualification", accessor="mediator_profile__qualification_status", default="—"
    )
    place_count = tables.Column("Lieux")
    redeemed_this_month = tables.Column("Chèques ce mois-ci")
    redeemed_total = tables.Column("Chèques encaissés")
    net_total_cents = tables.Column("Net dû (total)", default=0)
    agreement_until = tables.DateColumn(
        format="d/m/Y", verbose_name="Convention en vigueur jusqu'au", default="Aucune"
    )

    class Meta:
        template_name = "tables/table.html"
        attrs = {"class": "table"}
        orderable = True
        caption = "Acteurs de médiation"

    def render_qualification(self, value, record):
        profile = record.mediator_profile
        return format_html(
            '<span class="badge {}">{}</span>',
            BADGES.get(value, ""),
            profile.get_qualification_status_display(),
        )

    def value_qualification(self, value, record):
        return record.mediator_profile.get_qualification_status_display()

    def render_net_total_cents(self, value):
        return format_cents(value)

    def value_net_total_cents(self, value):
        return f"{(value or 0) / 100:.2f}"
