"""Mediators, places, agreements, redemptions, activities and monthly statements."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    ACTIVE = "active", "En vigueur"
    ENDED = "ended", "Terminée"
    TERMINATED = "terminated", "Résiliée"


class AgreementQuerySet(models.QuerySet):
    def in_force(self, day):
        """Rule: an agreement is in force on ``day`` when it is active (signed, not terminated)
        and ``day`` lies between its start and end dates, both included. Redemption
        (mediator_redemption_refusal), the managers' list (agreement_until) and the status
        people read (Agreement.status_label, through Agreement.in_force_on) all use it."""
        return self.filter(status=AgreementStatus.ACTIVE, start_date__lte=day, end_date__gte=day)


class Agreement(models.Model):
    """A convention between CD12 (or an EPCI) and a mediator organisation."""

    mediator = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="agreements"
    )
    counterpart = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField("début")
    end_date = models.DateField("fin")
    signed_at = models.DateField("signée le", null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    file = models.FileField(upload_to="agreements/", blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = "convention"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="agreement_dates_ordered"
            ),
        ]

    def __str__(self):
        return f"Convention {self.mediator} ({self.start_date:%Y})"

    def in_force_on(self, day) -> bool:
        """AgreementQuerySet.in_force for a row already loaded (no query); a test checks that
        both agree on every status and day around the dates."""
        return self.status == AgreementStatus.ACTIVE and self.start_date <= day <= self.end_date

    def status_label(self, day=None) -> str:
        """The status as people read it on ``day`` (today, Europe/Paris): "En vigueur" only
        when in force that day (in_force_on); an active agreement whose end date has passed
        reads "Terminée", one not started yet "Signée, à venir"."""
        day = day or timezone.localdate()
        if self.status == AgreementStatus.ACTIVE and not self.in_force_on(day):
            if self.end_date < day:
                return AgreementStatus.ENDED.label
            return "Signée, à venir"
        return self.get_status_display()


class Theme(models.TextChoices):
    """The themes La Coop de la médiation numérique records activities with."""

    DIAGNOSTIC = "diagnostic", "Diagnostic numérique"
    EQUIPMENT = "equipment", "Prendre en main du matériel"
    SMARTPHONE = "smartphone", "Prendre en main un smartphone ou une tablette"
    BROWSING = "browsing", "Navigation sur internet"
    EMAIL = "email", "E-mail"
    OFFICE = "office", "Bureautique"
    PROCEDURES = "procedures", "Démarches en ligne"
    SECURITY = "security", "Sécurité numérique"
    SOCIAL = "social", "Réseaux sociaux et communication"
    EMPLOYMENT = "employment", "Insertion professionnelle"
    PARENTING = "parenting", "Parentalité"
    SCHOOL = "school", "Scolarité et numérique"
    HEALTH = "health", "Santé"
    BUDGET = "budget", "Budget"
    CULTURE = "culture", "Culture numérique"
    CREATION = "creation", "Création de contenus numériques"
    FILES = "files", "Gestion des contenus numériques"
    ECOMMERCE = "ecommerce", "Achats en ligne et paiement"


class ProgressLevel(models.TextChoices):
    """The person's autonomy at the end of a session (La Coop de la médiation numérique's
    scale), lowest first: ``PROGRESS_RANK`` orders them."""

    GUIDED = "guided", "Avec guidage"
    AUTONOMOUS_WITH_HELP = "autonomous_with_help", "Autonome avec guidage en cas de besoin"
    AUTONOMOUS = "autonomous", "Autonome"


#: The order of the levels: a person's level rose when a later session's rank is higher.
PROGRESS_RANK = {level: rank for rank, level in enumerate(ProgressLevel.values, start=1)}


class NextStep(models.TextChoices):
    ANOTHER_SESSION = "another_session", "Une autre séance"
    AUTONOMOUS = "autonomous", "Autonome : fin de l'accompagnement"
    REFERRED_ELSEWHERE = "referred_elsewhere", "Orienté(e) vers une autre structure"


class Activity(models.Model):
    """What a mediator did with one person (or a group): the redemptions it paid for."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "Accompagnement individuel"
        PROCEDURE = "procedure", "Aide à une démarche administrative"
        WORKSHOP = "workshop", "Atelier collectif"

    mediator = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="activities"
    )
    place = models.ForeignKey("directory.Place", null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    date = models.DateField("date")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)")
    themes = models.JSONField("thèmes", default=list)
    participants = models.ManyToManyField(
        "people.Beneficiary", related_name="activities", blank=True
    )
    referral = models.ForeignKey(
        "orientation.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    notes = models.CharField("remarques", max_length=500, blank=True)
    progress_level = models.CharField(
        "autonomie en fin de séance", max_length=24, choices=ProgressLevel.choices, blank=True
    )
    next_step = models.CharField(
        "suite prévue", max_length=24, choices=NextStep.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "activité"
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="activity_has_duration"
            ),
        ]

    def __str__(self):
        return f"Activité n° {self.pk}"


class StatementStatus(models.TextChoices):
    ISSUED = "issued", "Émis"
    VALIDATED = "validated", "Validé"
    SENT_FOR_PAYMENT = "sent", "Envoyé en paiement"
    PAID = "paid", "Payé"


class Statement(models.Model):
    """A monthly statement (relevé de contre-paiement). Once issued it never changes. Usually
    one per mediator and month; a month produced early (before the 1st) gets a further
    statement for the redemptions made after it."""

    number = models.PositiveIntegerField("numéro", unique=True)
    mediator = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="statements"
    )
    period_start = models.DateField("mois")
    cheque_count = models.PositiveIntegerField(default=0)
    face_value_cents = models.BigIntegerField(default=0)
    fees_cents = models.BigIntegerField(default=0)
    net_cents = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=StatementStatus.choices, default=StatementStatus.ISSUED
    )
    file = models.FileField(upload_to="statements/", blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    #: The IBAN printed on the PDF (checked at issue), to tell when it no longer is the one paid.
    printed_iban = models.CharField("IBAN imprimé sur le relevé", max_length=34, blank=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateField(null=True, blank=True)
    payment_reference = models.CharField("référence du paiement", max_length=100, blank=True)

    class Meta:
        verbose_name = "relevé de contre-paiement"
        ordering = ["-period_start", "number"]
        indexes = [models.Index(fields=["mediator", "period_start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(net_cents__lte=F("face_value_cents")), name="statement_net_within_face"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False),
                name="statement_paid_has_date",
            ),
        ]

    def __str__(self):
        return f"Relevé n° {self.number}"


class RedemptionOnStatement(Exception):
    """Raised on an attempt to delete a redemption that is on a statement, or to change what
    a statement was computed from (its statement, cheque, mediator, amounts, date)."""


#: What a redemption on a statement keeps for ever (PostgreSQL's trigger checks the same),
#: by column name.
REDEMPTION_FROZEN_COLUMNS = (
    "statement_id",
    "cheque_id",
    "mediator_id",
    "face_value_cents",
    "mediator_net_cents",
    "redeemed_at",
)
_FROZEN_KWARGS = set(REDEMPTION_FROZEN_COLUMNS) | {"statement", "cheque", "mediator"}


class RedemptionQuerySet(models.QuerySet):
    """Rule: a redemption on a statement can no longer be un-redeemed: it is never deleted and
    its statement link, cheque, mediator, amounts and date never change. Rows not yet on a
    statement are free (statement_issue sets their statement)."""

    def delete(self):
        if self.filter(statement__isnull=False).exists():
            raise RedemptionOnStatement(
                "Un chèque porté sur un relevé ne peut plus être désencaissé."
            )
        return super().delete()

    def update(self, **kwargs):
        if _FROZEN_KWARGS & set(kwargs) and self.filter(statement__isnull=False).exists():
            raise RedemptionOnStatement("Un encaissement porté sur un relevé ne se modifie plus.")
        return super().update(**kwargs)


class Redemption(models.Model):
    """A cheque redeemed by a mediator. One per cheque, ever (one-to-one). Once on a
    statement it is frozen (RedemptionQuerySet; on PostgreSQL a trigger too)."""

    cheque = models.OneToOneField(
        "chequebooks.Cheque", on_delete=models.PROTECT, related_name="redemption"
    )
    mediator = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="redemptions"
    )
    beneficiary = models.ForeignKey(
        "people.Beneficiary", on_delete=models.PROTECT, related_name="redemptions"
    )
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="redemptions")
    submission = models.ForeignKey(
        "RedemptionSubmission", on_delete=models.PROTECT, related_name="redemptions"
    )
    statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )
    face_value_cents = models.PositiveIntegerField()
    mediator_net_cents = models.PositiveIntegerField()
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    redeemed_at = models.DateTimeField(db_index=True)

    objects = RedemptionQuerySet.as_manager()

    class Meta:
        verbose_name = "encaissement"
        ordering = ["-redeemed_at"]
        indexes = [models.Index(fields=["mediator", "redeemed_at"])]

    def __str__(self):
        return f"Encaissement du chèque {self.cheque_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            stored = (
                Redemption.objects.filter(pk=self.pk, statement__isnull=False)
                .values(*REDEMPTION_FROZEN_COLUMNS)
                .first()
            )
            if stored and any(getattr(self, name) != stored[name] for name in stored):
                raise RedemptionOnStatement(
                    "Un encaissement porté sur un relevé ne se modifie plus."
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Redemption.objects.filter(pk=self.pk, statement__isnull=False).exists():
            raise RedemptionOnStatement(
                "Un chèque porté sur un relevé ne peut plus être désencaissé."
            )
        return super().delete(*args, **kwargs)


class RedemptionSubmission(models.Model):
    """One submission of the redemption form. Its token makes a retry redeem nothing more."""

    token = models.CharField(max_length=64, unique=True)
    mediator = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Saisie {self.token}"


class RedemptionAttempt(models.Model):
    """A refused redemption, kept with its reason code (and used to throttle guessing)."""

    number_typed = models.CharField(max_length=40)
    cheque = models.ForeignKey(
        "chequebooks.Cheque", null=True, blank=True, on_delete=models.PROTECT
    )
    reason = models.CharField(max_length=30)
    mediator = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token = models.CharField("jeton de la saisie", max_length=64, blank=True)
    code_digest = models.CharField("empreinte du code saisi", max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "reason", "created_at"]),
            # The wrong codes of one organisation's accounts (WRONG_CODE_ORGANISATION_LIMIT).
            models.Index(fields=["mediator", "reason", "created_at"]),
        ]

    def __str__(self):
        return f"Tentative refusée ({self.reason}) : {self.number_typed}"
