"""Tables of orientation (django-tables2)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from passnum.people.models import Beneficiary

from .models import Referral, ReferralState

STATE_BADGES = {
    ReferralState.PROPOSED: "badge-info",
    ReferralState.ACCEPTED: "badge-success",
    ReferralState.DECLINED: "badge-danger",
    ReferralState.FIRST_SESSION: "badge-success",
    ReferralState.COMPLETED: "badge-success",
    ReferralState.LAPSED: "badge-warning",
}


class BeneficiaryTable(tables.Table):
    last_name = tables.Column(verbose_name="Nom", order_by=("last_name", "first_name"))
    first_name = tables.Column(verbose_name="Prénom")
    birth_date = tables.DateColumn(verbose_name="Né(e) le", format="d/m/Y")
    commune = tables.Column(
        verbose_name="Commune", default="Hors Aveyron", accessor="commune__name"
    )
    target_public = tables.Column(verbose_name="Public cible", accessor="target_public__label")
    created_at = tables.DateColumn(verbose_name="Inscrit(e) le", format="d/m/Y")
    step = tables.Column(verbose_name="Où en est la personne", empty_values=(), orderable=False)

    class Meta:
        model = Beneficiary
        fields = ("last_name", "first_name", "birth_date", "commune", "target_public", "created_at")
        sequence = (
            "last_name",
            "first_name",
            "birth_date",
            "commune",
            "target_public",
            "created_at",
            "step",
        )
        caption = "Personnes suivies"
        empty_text = "Aucune personne."
        order_by = ("last_name",)

    def render_step(self, record):
        state = getattr(record, "last_referral_state", None)
        if state:
            label = f"Orientation : {ReferralState(state).label.lower()}"
            return format_html('<span class="badge {}">{}</span>', STATE_BADGES[state], label)
        if getattr(record, "holds_chequebook", False):
            return format_html(
                '<span class="badge badge-warning">{}</span>', "Chéquier remis, à orienter"
            )
        if getattr(record, "assessed", False):
            return format_html('<span class="badge">{}</span>', "Pré-évaluée")
        return format_html('<span class="badge">{}</span>', "Inscrite")

    def render_last_name(self, value, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("orientation:person_detail", args=[record.pk]), value
        )


class ReferralTable(tables.Table):
    created_at = tables.DateColumn(verbose_name="Date", format="d/m/Y")
    beneficiary = tables.Column(verbose_name="Personne", order_by=("beneficiary__last_name",))
    place = tables.Column(verbose_name="Lieu de médiation", accessor="place__name")
    mediator = tables.Column(verbose_name="Médiateur", accessor="mediator__name")
    state = tables.Column(verbose_name="État")
    state_changed_at = tables.DateColumn(verbose_name="Depuis le", format="d/m/Y")
    sheet = tables.Column(verbose_name="Fiche", empty_values=(), orderable=False)

    class Meta:
        model = Referral
        fields = ("created_at", "beneficiary", "place", "mediator", "state", "state_changed_at")
        sequence = (
            "created_at",
            "beneficiary",
            "place",
            "mediator",
            "state",
            "state_changed_at",
            "sheet",
        )
        caption = "Orientations"
        empty_text = "Aucune orientation."
        order_by = ("-created_at",)

    def render_beneficiary(self, value, record):
        if value.anonymised_at:
            return str(value)
        return format_html(
            '<a href="{}">{}</a>', reverse("orientation:person_detail", args=[value.pk]), value
        )

    def render_state(self, value, record):
        text = record.get_state_display()
        if record.state == ReferralState.DECLINED and record.decline_reason:
            text = f"{text} : {record.decline_reason}"
        return format_html(
            '<span class="badge {}">{}</span>', STATE_BADGES.get(record.state, ""), text
        )

    def render_sheet(self, record):
        return format_html(
            '<a href="{}">Fiche<span class="visually-hidden"> de l\'orientation n° {}</span></a>',
            reverse("orientation:flow_done", args=[record.pk]),
            record.pk,
        )
