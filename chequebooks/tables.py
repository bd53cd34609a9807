import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from .models import Chequebook, PrintRun


class ChequebookTable(tables.Table):
    caption = "Chéquiers"
    number = tables.Column(verbose_name="Chéquier")
    vintage = tables.Column(
        verbose_name="Millésime", accessor="vintage__year", order_by=("vintage__year",)
    )
    envelope = tables.Column(
        verbose_name="Enveloppe", order_by=("envelope__side", "envelope__epci__name")
    )
    state = tables.Column(verbose_name="État")
    holder = tables.Column(verbose_name="Accueil", default="—", order_by=("holder__name",))
    allocated_at = tables.DateColumn(verbose_name="Attribué le", format="d/m/Y", default="—")
    received_at = tables.DateColumn(verbose_name="Reçu le", format="d/m/Y", default="—")
    handed_out_at = tables.DateColumn(verbose_name="Remis le", format="d/m/Y", default="—")

    class Meta:
        model = Chequebook
        fields = [
            "number",
            "vintage",
            "envelope",
            "state",
            "holder",
            "allocated_at",
            "received_at",
            "handed_out_at",
        ]
        empty_text = "Aucun chéquier ne correspond à ces critères."

    def render_number(self, value, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)

    def value_number(self, value):
        return value

    def render_vintage(self, value):
        return str(value)

    def render_state(self, value, record):
        css = {
            "in_stock": "badge",
            "at_front_desk": "badge badge-info",
            "handed_out": "badge badge-success",
            "cancelled": "badge badge-danger",
        }[record.state]
        if record.is_awaiting_receipt:
            return format_html(
                '<span class="{}">{}</span> <span class="badge badge-warning">'
                "réception à confirmer</span>",
                css,
                value,
            )
        return format_html('<span class="{}">{}</span>', css, value)

    def value_state(self, value, record):
        return record.get_state_display()


class PrintRunTable(tables.Table):
    caption = "Impressions"
    id = tables.LinkColumn("chequebooks:print_run_detail", args=[tables.A("pk")], verbose_name="N°")
    vintage = tables.Column(
        verbose_name="Millésime", accessor="vintage__year", order_by=("vintage__year",)
    )
    envelope = tables.Column(verbose_name="Enveloppe")
    chequebook_count = tables.Column(verbose_name="Chéquiers")
    first_number = tables.Column(verbose_name="Numéros", default="—")
    status = tables.Column(verbose_name="État")
    created_by = tables.Column(verbose_name="Lancée par")
    created_at = tables.DateTimeColumn(verbose_name="Le", format="d/m/Y H:i")

    class Meta:
        model = PrintRun
        fields = [
            "id",
            "vintage",
            "envelope",
            "chequebook_count",
            "first_number",
            "status",
            "created_by",
            "created_at",
        ]
        empty_text = "Aucune impression pour l'instant."

    def render_vintage(self, value):
        return str(value)

    def render_first_number(self, value, record):
        return f"{value} à {record.last_number}"

    def render_status(self, value, record):
        if record.status == PrintRun.Status.RUNNING:
            return f"{value} ({record.progress} %)"
        return value

    def render_created_by(self, value):
        return value.get_full_name()


class DeskStockTable(tables.Table):
    caption = "Stock par accueil"
    name = tables.Column(verbose_name="Accueil")
    side = tables.Column(verbose_name="Côté")
    epci__name = tables.Column(verbose_name="EPCI", default="—")
    held = tables.Column(verbose_name="Chéquiers détenus", attrs={"td": {"class": "num"}})
    unconfirmed = tables.Column(
        verbose_name="Réception à confirmer", attrs={"td": {"class": "num"}}
    )
    handed_out = tables.Column(verbose_name="Remis", attrs={"td": {"class": "num"}})
    oldest = tables.DateColumn(
        verbose_name="Plus ancienne attribution", format="d/m/Y", default="—"
    )

    class Meta:
        empty_text = "Aucun accueil."

    def render_side(self, value):
        return {"cd12": "CD12", "epci": "EPCI"}.get(value, value)


class EnvelopeStockTable(tables.Table):
    """Stock by envelope (rows from ``selectors.stock_by_envelope``)."""

    caption = "Chéquiers par enveloppe"
    envelope = tables.Column(verbose_name="Enveloppe", orderable=False)
    target = tables.Column(
        verbose_name="Objectif",
        accessor="envelope__chequebook_target",
        attrs={"td": {"class": "num"}},
    )
    in_stock = tables.Column(verbose_name="En stock", attrs={"td": {"class": "num"}})
    at_desks = tables.Column(verbose_name="Dans les accueils", attrs={"td": {"class": "num"}})
    unconfirmed = tables.Column(
        verbose_name="dont réception à confirmer", attrs={"td": {"class": "num"}}
    )
    handed_out = tables.Column(verbose_name="Remis", attrs={"td": {"class": "num"}})
    cancelled = tables.Column(verbose_name="Opposés", attrs={"td": {"class": "num"}})
    total = tables.Column(verbose_name="Total", attrs={"td": {"class": "num"}})

    class Meta:
        empty_text = "Aucune enveloppe."

    def render_envelope(self, value):
        url = reverse("chequebooks:chequebook_list")
        return format_html('<a href="{}?envelope={}">{}</a>', url, value.pk, value)

    def value_envelope(self, value):
        return str(value)
