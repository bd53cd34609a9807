"""The mediation directory: mediator organisations' profile and qualification, and their places.

Below orientation (a person is referred to a place of a qualified mediator) and mediation
(a qualified mediator redeems cheques at its places)."""

from django.db import models
from django.db.models import Q


class QualificationStatus(models.TextChoices):
    APPLIED = "applied", "Candidature"
    QUALIFIED = "qualified", "Qualifié"
    SUSPENDED = "suspended", "Suspendu"
    DISQUALIFIED = "disqualified", "Déqualifié"


class MediatorProfile(models.Model):
    """What a mediation organisation must give to be qualified and paid."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="mediator_profile"
    )
    siret = models.CharField("SIRET", max_length=14, blank=True)
    legal_name = models.CharField("raison sociale", max_length=200, blank=True)
    legal_representative = models.CharField("représentant légal", max_length=200, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True)
    bic = models.CharField("BIC", max_length=11, blank=True)
    is_public_sector = models.BooleanField(
        "structure publique (paiement par une régie)", default=False
    )
    labels = models.JSONField("labels", default=list, blank=True)
    charter_accepted_at = models.DateTimeField("charte acceptée le", null=True, blank=True)
    qualification_status = models.CharField(
        "qualification",
        max_length=14,
        choices=QualificationStatus.choices,
        default=QualificationStatus.APPLIED,
    )
    status_reason = models.CharField("motif", max_length=255, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    bank_details_to_confirm = models.BooleanField(
        "coordonnées bancaires à revalider",
        default=False,
        help_text="SIRET, IBAN ou BIC changés par la structure depuis sa qualification.",
    )

    class Meta:
        verbose_name = "profil de médiateur"
        db_table = "mediation_mediatorprofile"  # the table keeps the name it had in mediation
        constraints = [
            models.CheckConstraint(
                condition=~Q(qualification_status__in=["suspended", "disqualified"])
                | ~Q(status_reason=""),
                name="mediator_suspension_has_reason",
            ),
        ]

    def __str__(self):
        return self.legal_name or str(self.organisation)

    @property
    def is_applying(self) -> bool:
        """A mediator still applying: its missing details are asked for before qualification."""
        return self.qualification_status == QualificationStatus.APPLIED

    @property
    def is_qualified(self) -> bool:
        """Rule: a mediator is qualified while its profile's status is "qualified"."""
        return self.qualification_status == QualificationStatus.QUALIFIED

    @property
    def has_been_qualified(self) -> bool:
        """Rule: a mediator has been qualified while qualified or suspended (not while applying,
        nor once disqualified): its identity and bank details can then no longer be blanked."""
        return self.qualification_status in (
            QualificationStatus.QUALIFIED,
            QualificationStatus.SUSPENDED,
        )


class PlaceQuerySet(models.QuerySet):
    def of_qualified_mediators(self):
        """Rule: the places people may be referred to and that are published are the active
        places of active mediator organisations whose profile is qualified
        (``mediator_is_qualified``: without a profile, a mediator has not applied)."""
        return self.filter(
            is_active=True,
            organisation__is_active=True,
            organisation__mediator_profile__qualification_status=QualificationStatus.QUALIFIED,
        )


class Place(models.Model):
    """A mediation place (lieu de médiation), described with the national schema's words."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="places"
    )
    name = models.CharField("nom", max_length=200)
    address = models.CharField("adresse", max_length=255)
    commune = models.ForeignKey(
        "territory.Commune", on_delete=models.PROTECT, related_name="places"
    )
    postcode = models.CharField("code postal", max_length=5)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.CharField("horaires (format OpenStreetMap)", max_length=255, blank=True)
    opening_hours_text = models.CharField("horaires (en clair)", max_length=255, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("e-mail", blank=True)
    website = models.URLField("site web", blank=True)
    contact_name = models.CharField("personne à contacter", max_length=200, blank=True)
    services = models.ManyToManyField("programme.Service", verbose_name="services", blank=True)
    accessibility = models.JSONField("prise en charge spécifique", default=list, blank=True)
    support_modes = models.JSONField("modalités d'accompagnement", default=list, blank=True)
    summary = models.CharField("présentation", max_length=280, blank=True)
    is_active = models.BooleanField("actif", default=True)
    takes_appointments = models.BooleanField(
        "prend des rendez-vous",
        default=False,
        help_text="Les accueils réservent un créneau pour la personne lors de l'orientation.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = "lieu de médiation"
        verbose_name_plural = "lieux de médiation"
        ordering = ["name"]
        db_table = "mediation_place"  # the table keeps the name it had in mediation

    def __str__(self):
        return self.name


def mediator_is_qualified(organisation) -> bool:
    """Rule: a mediator organisation is qualified when its profile's status is "qualified";
    without a profile it is not (it has not applied). Referral, the places offered to the front
    desk, open data and redemption all ask this (or ``PlaceQuerySet.of_qualified_mediators``).

    The profile is read from the database, not from a profile cached on ``organisation``: a
    suspension made a moment ago counts."""
    profile = (
        MediatorProfile.objects.filter(organisation_id=organisation.pk)
        .only("qualification_status")
        .first()
    )
    return profile is not None and profile.is_qualified


class Weekday(models.IntegerChoices):
    MONDAY = 0, "lundi"
    TUESDAY = 1, "mardi"
    WEDNESDAY = 2, "mercredi"
    THURSDAY = 3, "jeudi"
    FRIDAY = 4, "vendredi"
    SATURDAY = 5, "samedi"
    SUNDAY = 6, "dimanche"


class PlaceSlot(models.Model):
    """A weekly appointment slot of a place: every ``weekday`` at ``start_time`` (Europe/Paris),
    lasting ``duration_minutes``, for at most ``capacity`` people. A slot removed by its
    mediator is deactivated, never deleted (appointments keep it)."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="slots")
    weekday = models.PositiveSmallIntegerField("jour", choices=Weekday.choices)
    start_time = models.TimeField("heure de début")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=60)
    capacity = models.PositiveSmallIntegerField("personnes par créneau", default=1)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "créneau de rendez-vous"
        ordering = ["weekday", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "weekday", "start_time"],
                condition=Q(is_active=True),
                name="place_slot_unique_active",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="place_slot_capacity"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="place_slot_duration",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="place_slot_weekday"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M} ({self.duration_minutes} min)"


class PlaceClosure(models.Model):
    """Days a place takes no appointment (holidays, training…), both days included."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField("du")
    end_date = models.DateField("au")
    reason = models.CharField("motif", max_length=120, blank=True)

    class Meta:
        verbose_name = "fermeture"
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="place_closure_dates"
            ),
        ]

    def __str__(self):
        return f"Fermé du {self.start_date:%d/%m/%Y} au {self.end_date:%d/%m/%Y}"
