"""The person the programme helps: identity key, consent, retention.

Below chequebooks (a chequebook is handed to a person), orientation (a person is assessed
and referred) and mediation (a person is accompanied): the one home of the person."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .privacy import retention_cutoff


class BeneficiaryQuerySet(models.QuerySet):
    def past_retention(self, now=None):
        """Rule: a person's record is kept PASSNUM_RETENTION_MONTHS months (default 36) after
        their last activity (registration, assessment, hand-over, referral: ``last_activity_at``)
        or a cheque of theirs redeemed with a mediator, whichever is later; past that, it is
        anonymised. The records past retention and not yet anonymised."""
        cutoff = retention_cutoff(now)
        return (
            self.filter(anonymised_at__isnull=True, last_activity_at__lt=cutoff)
            # A cheque redeemed with a mediator is activity too (mediation's Redemption).
            .exclude(redemptions__redeemed_at__gte=cutoff)
            .distinct()
        )


class Beneficiary(models.Model):
    """A person helped by the programme. Only what the scheme needs: no diagnosis, no proof."""

    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    #: Normalised "last|first|birth date", for finding duplicates without showing records.
    identity_key = models.CharField(max_length=400, db_index=True, blank=True)
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="beneficiaries",
    )
    outside_aveyron = models.BooleanField("réside hors Aveyron", default=False)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("e-mail", blank=True)
    contact_consent = models.BooleanField("accepte d'être recontacté(e) (rappels)", default=False)
    target_public = models.ForeignKey(
        "programme.TargetPublic", verbose_name="public cible", on_delete=models.PROTECT
    )
    consent_at = models.DateTimeField("consentement recueilli le")
    consent_text_version = models.CharField("version de l'information", max_length=20)
    registered_by_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="accueil",
        on_delete=models.PROTECT,
        related_name="registered_beneficiaries",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    #: Kept after anonymisation so that figures by age stay right ("1960-1969").
    birth_decade = models.CharField("tranche d'année de naissance", max_length=9, blank=True)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = "bénéficiaire"
        ordering = ["last_name", "first_name"]
        db_table = "orientation_beneficiary"  # the table keeps the name it had in orientation
        constraints = [
            models.CheckConstraint(
                condition=Q(commune__isnull=False)
                | Q(outside_aveyron=True)
                | Q(anonymised_at__isnull=False),
                name="beneficiary_has_commune_or_outside",
            ),
        ]

    def __str__(self):
        if self.anonymised_at:
            return f"Personne anonymisée n° {self.pk}"
        return f"{self.first_name} {self.last_name}"


class BeneficiaryRef(Beneficiary):
    """The same row, named by its number only: the journal's target, so that the append-only
    journal never keeps a person's name after anonymisation."""

    class Meta:
        proxy = True
        verbose_name = "bénéficiaire"

    def __str__(self):
        return f"Personne n° {self.pk}"

    @classmethod
    def of(cls, beneficiary) -> "BeneficiaryRef":
        """The journal's target for ``beneficiary``: the same row, named by number only."""
        return cls(pk=beneficiary.pk)
