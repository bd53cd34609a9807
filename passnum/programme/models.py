"""The programme's reference data: geography, funders, budget, envelopes, vintages, publics."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from passnum.territory.models import Epci, Side


class Service(models.Model):
    """The 9 services of the national catalogue of mediation places (schéma 1.0.2)."""

    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField("service", max_length=120, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "service"
        ordering = ["position"]

    def __str__(self):
        return self.label


class Programme(models.Model):
    name = models.CharField("nom", max_length=200)
    start_year = models.PositiveSmallIntegerField("première année")
    end_year = models.PositiveSmallIntegerField("dernière année")

    class Meta:
        verbose_name = "programme"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")), name="programme_years_ordered"
            )
        ]

    def __str__(self):
        return self.name


class Funder(models.Model):
    class Kind(models.TextChoices):
        CD12 = "cd12", "Département"
        EPCI = "epci", "Intercommunalités"
        STATE = "state", "État"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="funders")
    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    name = models.CharField("nom", max_length=200)

    class Meta:
        verbose_name = "financeur"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "kind"], name="funder_unique_kind")
        ]

    def __str__(self):
        return self.name


class BudgetLine(models.Model):
    """A funder's planned amount, for the whole programme (year empty) or one year."""

    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="budget_lines")
    label = models.CharField("intitulé", max_length=200)
    year = models.PositiveSmallIntegerField("année", null=True, blank=True)
    amount_cents = models.BigIntegerField("montant (centimes)")

    class Meta:
        verbose_name = "ligne budgétaire"
        verbose_name_plural = "lignes budgétaires"
        ordering = ["funder_id", "year", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gte=0), name="budget_line_positive")
        ]

    def __str__(self):
        return f"{self.funder} – {self.label}"


class Envelope(models.Model):
    """A chequebook envelope: CD12's, or one partner EPCI's share of the EPCI envelope."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="envelopes")
    side = models.CharField("côté", max_length=4, choices=Side.choices)
    epci = models.ForeignKey(
        Epci, verbose_name="EPCI", null=True, blank=True, on_delete=models.PROTECT
    )
    chequebook_target = models.PositiveIntegerField("objectif de chéquiers")

    class Meta:
        verbose_name = "enveloppe"
        ordering = ["side", "epci__name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(side="cd12", epci__isnull=True) | Q(side="epci", epci__isnull=False)),
                name="envelope_side_matches_epci",
            ),
            models.UniqueConstraint(fields=["programme", "epci"], name="envelope_one_per_epci"),
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(side="cd12"),
                name="envelope_one_cd12",
            ),
        ]

    def __str__(self):
        return "Enveloppe CD12" if self.side == Side.CD12 else f"Enveloppe {self.epci}"


class Vintage(models.Model):
    """A millésime: cheques of year N are valid from 1 January N to 31 January N+1."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="vintages")
    year = models.PositiveSmallIntegerField("millésime", unique=True)
    valid_from = models.DateField("valable du")
    valid_until = models.DateField("valable jusqu'au")
    face_value_cents = models.PositiveIntegerField("valeur faciale (centimes)", default=1000)
    commissioner_cost_cents = models.PositiveIntegerField(
        "coût commanditaire (centimes)", default=1040
    )
    mediator_net_cents = models.PositiveIntegerField("net médiateur (centimes)", default=960)
    cheques_per_chequebook = models.PositiveSmallIntegerField("chèques par chéquier", default=10)
    handover_frozen = models.BooleanField("remises gelées", default=False)
    handover_frozen_at = models.DateTimeField(null=True, blank=True)
    freeze_lifted = models.BooleanField(
        "gel levé par un gestionnaire",
        default=False,
        help_text="Empêche le gel automatique du 15 décembre de revenir.",
    )
    alert_sent_at = models.DateTimeField("alerte J-30 envoyée", null=True, blank=True)
    expired_at = models.DateTimeField("chèques expirés le", null=True, blank=True)

    class Meta:
        verbose_name = "millésime"
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("valid_from")), name="vintage_validity_ordered"
            ),
            models.CheckConstraint(
                condition=Q(face_value_cents__gt=0)
                & Q(mediator_net_cents__lte=F("face_value_cents"))
                & Q(commissioner_cost_cents__gte=F("face_value_cents")),
                name="vintage_amounts_consistent",
            ),
            models.CheckConstraint(
                condition=Q(cheques_per_chequebook__in=[5, 10]),
                name="vintage_chequebook_size",
            ),
        ]

    def __str__(self):
        return f"Millésime {self.year}"


class TargetPublic(models.Model):
    side = models.CharField("côté", max_length=4, choices=Side.choices)
    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField("public cible", max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "public cible"
        verbose_name_plural = "publics cibles"
        ordering = ["side", "position"]

    def __str__(self):
        return self.label


class FundCall(models.Model):
    """A call for funds ("appel de fonds"): the programme asks a funder to pay an amount for a
    year. Issued once, with its PDF (rendered from ``programme/pdf/fund_call.html``); never
    changed afterwards."""

    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="fund_calls")
    year = models.PositiveSmallIntegerField("année")
    reference = models.CharField("référence", max_length=60)
    called_on = models.DateField("date de l'appel")
    amount_cents = models.BigIntegerField("montant (centimes)")
    label = models.CharField("objet", max_length=200, blank=True)
    file = models.FileField(upload_to="private/fund-calls/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "appel de fonds"
        verbose_name_plural = "appels de fonds"
        ordering = ["-year", "funder_id", "called_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="fund_call_positive"),
            models.UniqueConstraint(fields=["funder", "reference"], name="fund_call_reference"),
        ]

    def __str__(self):
        return f"Appel de fonds {self.reference}"


class FundPayment(models.Model):
    """A payment received from a funder for a year ("reçu"), against its calls for funds."""

    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="fund_payments")
    year = models.PositiveSmallIntegerField("année")
    reference = models.CharField("référence", max_length=60)
    received_on = models.DateField("date de réception")
    amount_cents = models.BigIntegerField("montant (centimes)")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "paiement reçu"
        verbose_name_plural = "paiements reçus"
        ordering = ["-year", "funder_id", "received_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="fund_payment_positive"),
            models.UniqueConstraint(fields=["funder", "reference"], name="fund_payment_reference"),
        ]

    def __str__(self):
        return f"Paiement {self.reference}"
