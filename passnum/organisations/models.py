"""Organisations, memberships and invitations: who acts for whom, with which role."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from passnum.territory.models import Side


class OrganisationKind(models.TextChoices):
    OWNER = "owner", "Porteur du programme (CD12)"
    EPCI = "epci", "Intercommunalité (EPCI)"
    FRONT_DESK = "front_desk", "Accueil de 1er niveau"
    MEDIATOR = "mediator", "Acteur de médiation numérique"
    STATE = "state", "Service de l'État"


class Role(models.TextChoices):
    PROGRAMME_MANAGER = "programme_manager", "Gestionnaire du programme"
    EPCI_COORDINATOR = "epci_coordinator", "Coordinateur EPCI"
    ORG_ADMIN = "org_admin", "Administrateur de la structure"
    EVALUATOR = "evaluator", "Agent d'accueil (évaluateur)"
    MEDIATOR = "mediator", "Médiateur numérique"
    STATE_OBSERVER = "state_observer", "Observateur de l'État (lecture seule)"


#: Which roles a membership of each kind of organisation may carry.
ROLES_BY_KIND = {
    OrganisationKind.OWNER: [Role.PROGRAMME_MANAGER],
    OrganisationKind.EPCI: [Role.EPCI_COORDINATOR],
    OrganisationKind.FRONT_DESK: [Role.ORG_ADMIN, Role.EVALUATOR],
    OrganisationKind.MEDIATOR: [Role.ORG_ADMIN, Role.MEDIATOR],
    OrganisationKind.STATE: [Role.STATE_OBSERVER],
}


class FrontDeskType(models.Model):
    """A kind of front desk of the programme (travailleurs sociaux, MSD, CAF, Mission locale,
    SAVS/CCAS, MFS, PIS, EEF...): reference data programme managers edit; figures are broken
    down by it."""

    label = models.CharField("type d'accueil", max_length=100, unique=True)
    position = models.PositiveSmallIntegerField("ordre d'affichage", default=0)
    is_active = models.BooleanField(
        "proposé",
        default=True,
        help_text="Un type qui n'est plus proposé reste sur les accueils qui l'ont.",
    )

    class Meta:
        verbose_name = "type d'accueil"
        verbose_name_plural = "types d'accueil"
        ordering = ["position", "label"]

    def __str__(self):
        return self.label


class Organisation(models.Model):
    kind = models.CharField("type", max_length=12, choices=OrganisationKind.choices)
    name = models.CharField("nom", max_length=200)
    side = models.CharField(
        "côté",
        max_length=4,
        choices=Side.choices,
        blank=True,
        help_text="Pour un accueil : le public qu'il oriente (CD12 ou son EPCI).",
    )
    epci = models.ForeignKey(
        "territory.Epci",
        verbose_name="EPCI",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    front_desk_type = models.ForeignKey(
        FrontDeskType,
        verbose_name="type d'accueil",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    address = models.CharField("adresse", max_length=255, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("e-mail de contact", blank=True)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]
        constraints = [
            # A front desk belongs to the CD12 side, or to one EPCI.
            models.CheckConstraint(
                condition=(
                    ~Q(kind="front_desk") | Q(side="cd12") | Q(side="epci", epci__isnull=False)
                ),
                name="front_desk_has_side",
            ),
            models.CheckConstraint(
                condition=~Q(kind="epci") | Q(epci__isnull=False),
                name="epci_organisation_has_epci",
            ),
            # Only a front desk has a front-desk type.
            models.CheckConstraint(
                condition=Q(kind="front_desk") | Q(front_desk_type__isnull=True),
                name="front_desk_type_only_on_front_desks",
            ),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A person's role in an organisation. Deactivated, never deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "appartenance"
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_one_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, deactivated_at__isnull=True)
                | Q(is_active=False, deactivated_at__isnull=False),
                name="membership_deactivation_dated",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"


class Invitation(models.Model):
    """An invitation to join an organisation with a role; the link expires."""

    email = models.EmailField("adresse e-mail")
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    #: Empty for the first programme manager's invitation, made by ``manage.py bootstrap``.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation de {self.email} ({self.organisation})"
