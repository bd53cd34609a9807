"""Beneficiaries, consent, assessments (versioned questionnaires) and referrals."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from passnum.core.dates import paris_midnight


class Questionnaire(models.Model):
    """A version of the pre-assessment questionnaire. Published versions never change:
    managers edit a new draft, so old answers keep their meaning."""

    version = models.PositiveIntegerField("version", unique=True)
    title = models.CharField("titre", max_length=200)
    is_published = models.BooleanField("publié", default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    is_current = models.BooleanField("en service", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "questionnaire"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="one_current_questionnaire",
            ),
            models.CheckConstraint(
                condition=~Q(is_current=True) | Q(is_published=True),
                name="current_questionnaire_is_published",
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField("question", max_length=300)
    help_text = models.CharField("aide", max_length=300, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField("réponse", max_length=200)
    score = models.SmallIntegerField("points", default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class Level(models.Model):
    """A score band of a questionnaire and what it suggests."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="levels"
    )
    code = models.SlugField(max_length=40)
    label = models.CharField("niveau d'autonomie", max_length=100)
    min_score = models.SmallIntegerField("score minimal")
    suggested_cheques = models.PositiveSmallIntegerField("chèques suggérés", default=10)
    suggested_services = models.ManyToManyField("programme.Service", blank=True)
    suggests_handover = models.BooleanField("remise de chéquier conseillée", default=True)

    class Meta:
        ordering = ["min_score"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="level_unique_code"),
        ]

    def __str__(self):
        return self.label


class Assessment(models.Model):
    """A pre-assessment (or re-assessment) of a person's digital autonomy.

    The answers, score, level and suggestions are copied in, so they keep their meaning
    whatever later happens to the questionnaire."""

    beneficiary = models.ForeignKey(
        "people.Beneficiary", on_delete=models.PROTECT, related_name="assessments"
    )
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT)
    answers = models.JSONField(default=list)  # [{"question": text, "answer": label, "score": n}]
    score = models.SmallIntegerField()
    level_code = models.SlugField(max_length=40)
    level_label = models.CharField(max_length=100)
    suggested_cheques = models.PositiveSmallIntegerField(default=0)
    suggested_services = models.JSONField(default=list)  # service labels
    handover_suggested = models.BooleanField("remise conseillée", default=True)
    handover_decision = models.BooleanField("chéquier remis", null=True, blank=True)
    no_handover_reason = models.CharField("motif de non-remise", max_length=255, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_by_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "pré-évaluation"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(handover_decision=False) | ~Q(no_handover_reason=""),
                name="assessment_no_handover_has_reason",
            ),
        ]

    def __str__(self):
        return f"Pré-évaluation n° {self.pk}"


class ReferralState(models.TextChoices):
    PROPOSED = "proposed", "Proposée"
    ACCEPTED = "accepted", "Acceptée"
    DECLINED = "declined", "Refusée"
    FIRST_SESSION = "first_session", "Première séance faite"
    COMPLETED = "completed", "Terminée"
    LAPSED = "lapsed", "Sans suite"


#: Open: made and not yet answered by a first session (proposed, or accepted). A person has at
#: most one open referral per mediator; only an open referral lapses.
OPEN_REFERRAL_STATES = (ReferralState.PROPOSED, ReferralState.ACCEPTED)
#: In progress at the mediator's: accepted, or its first session held (the inbox's second list).
IN_PROGRESS_REFERRAL_STATES = (ReferralState.ACCEPTED, ReferralState.FIRST_SESSION)
#: Active: not closed (completed, declined or lapsed); an activity of the mediator may still
#: answer it (mediation's redemption and activity record).
ACTIVE_REFERRAL_STATES = (
    ReferralState.PROPOSED,
    ReferralState.ACCEPTED,
    ReferralState.FIRST_SESSION,
)
#: The states in which a referral lets its mediator see the person: active or completed, not
#: once declined or lapsed.
MEDIATOR_VISIBLE_STATES = (*ACTIVE_REFERRAL_STATES, ReferralState.COMPLETED)


def referral_overdue_q(*, today=None, prefix: str = "") -> Q:
    """Rule: a referral is overdue (to follow up) while it is still proposed and was made before
    the start (00:00 Europe/Paris) of the day PASSNUM_REFERRAL_FOLLOW_UP_DAYS days before today.
    Whole days, so the front desk's home, the radar and the tallies (refreshed during the day)
    agree on the same day."""
    today = today or timezone.localdate()
    cutoff = paris_midnight(
        today - datetime.timedelta(days=settings.PASSNUM_REFERRAL_FOLLOW_UP_DAYS)
    )
    return Q(**{f"{prefix}state": ReferralState.PROPOSED, f"{prefix}created_at__lt": cutoff})


class ReferralQuerySet(models.QuerySet):
    def overdue(self, *, today=None):
        """The referrals to follow up (``referral_overdue_q``)."""
        return self.filter(referral_overdue_q(today=today))

    def open(self):
        """The open referrals (``OPEN_REFERRAL_STATES``: proposed or accepted)."""
        return self.filter(state__in=OPEN_REFERRAL_STATES)

    def in_progress(self):
        """The referrals in progress (``IN_PROGRESS_REFERRAL_STATES``)."""
        return self.filter(state__in=IN_PROGRESS_REFERRAL_STATES)

    def active(self):
        """The referrals not closed (``ACTIVE_REFERRAL_STATES``)."""
        return self.filter(state__in=ACTIVE_REFERRAL_STATES)

    def visible_to_mediator(self):
        """The referrals whose person their mediator may see (``MEDIATOR_VISIBLE_STATES``)."""
        return self.filter(state__in=MEDIATOR_VISIBLE_STATES)


class Referral(models.Model):
    """An orientation of a person towards a mediation place."""

    beneficiary = models.ForeignKey(
        "people.Beneficiary", on_delete=models.PROTECT, related_name="referrals"
    )
    place = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="referrals")
    mediator = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="referrals_received"
    )
    from_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="referrals_sent"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    chequebook = models.ForeignKey(
        "chequebooks.Chequebook",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    state = models.CharField(
        "état", max_length=16, choices=ReferralState.choices, default=ReferralState.PROPOSED
    )
    decline_reason = models.CharField("motif du refus", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["mediator", "state"]),
            models.Index(fields=["from_organisation", "state"]),
            # The overdue referrals, counted live on the dashboard (``referral_overdue_q``): an
            # index-only count, whatever the number of referrals around them.
            models.Index(fields=["state", "created_at"], name="referral_overdue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decline_reason=""),
                name="referral_declined_has_reason",
            ),
        ]

    def __str__(self):
        return f"Orientation n° {self.pk}"


class AppointmentState(models.TextChoices):
    BOOKED = "booked", "Réservé"
    HELD = "held", "Honoré"
    MISSED = "missed", "Manqué"
    CANCELLED = "cancelled", "Annulé (remplacé)"


#: The states that take a seat in their slot.
SEAT_TAKING_APPOINTMENT_STATES = (AppointmentState.BOOKED, AppointmentState.HELD)


class AppointmentQuerySet(models.QuerySet):
    def taking_seats(self):
        """The appointments that count against their slot's capacity (booked or held)."""
        return self.filter(state__in=SEAT_TAKING_APPOINTMENT_STATES)


class Appointment(models.Model):
    """An appointment of a referred person at the referral's place, in one of its weekly slots
    (``passnum.directory.models.PlaceSlot``), booked by the front desk. Held is the referral's
    first session; missed can be rebooked by the desk (the new one is a new row)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="appointments")
    slot = models.ForeignKey(
        "directory.PlaceSlot", on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField("date et heure", db_index=True)
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)")
    state = models.CharField(
        "état", max_length=10, choices=AppointmentState.choices, default=AppointmentState.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    booked_by_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    rebooks = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rebooked_as",
        verbose_name="remplace le rendez-vous",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["slot", "starts_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(state="booked"),
                name="appointment_one_booked_per_referral",
            ),
        ]

    def __str__(self):
        return f"Rendez-vous n° {self.pk}"

    @property
    def ends_at(self):
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)


class ReminderKind(models.TextChoices):
    APPOINTMENT_EVE = "appointment_eve", "Veille du rendez-vous"
    NO_SESSION = "no_session", "Sans séance 7 jours après la remise"
    MISSED = "missed", "Rendez-vous manqué"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class Reminder(models.Model):
    """A reminder sent to a person, one row per message: its ``key`` (kind, what it is about,
    channel) is unique, so a message is sent once however often the task runs or is retried.
    The text is not kept."""

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    channel = models.CharField(max_length=5, choices=ReminderChannel.choices)
    beneficiary = models.ForeignKey(
        "people.Beneficiary", on_delete=models.PROTECT, related_name="reminders"
    )
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="reminders")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rappel"
        ordering = ["-sent_at"]

    def __str__(self):
        return f"Rappel n° {self.pk}"
