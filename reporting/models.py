"""Reporting: summary tallies refreshed by Celery, export jobs and periodic reports.

Why summary tallies: the dashboard must answer in the same time at 90 000 and at 2 000 000
cheques (benchmarks/reporting_bench.py measured the live aggregation over the cheques at
about linear cost). The tallies hold the programme's figures grouped by every dimension the
dashboard filters or breaks down on (vintage, envelope, front desk, EPCI, public, month,
state...), so their size grows with the number of organisations and months, not with the
number of cheques. ``reporting.services.summaries_refresh`` rebuilds them in the database
(one grouped INSERT per tally) and runs from Celery beat and on demand.

Foreign keys here carry no database constraint (``db_constraint=False``): a tally row is a
figure, not a reference that must protect the row it counts.
"""

from django.conf import settings
from django.db import models


def _fk(model, **kwargs):
    return models.ForeignKey(
        model,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        **kwargs,
    )


class Tally(models.Model):
    """A row of figures; its dimensions are its identity."""

    class Meta:
        abstract = True

    def __str__(self):
        return f"{type(self).__name__} n° {self.pk}"


class SummaryRun(models.Model):
    """When the tallies were last rebuilt, and with which thresholds."""

    refreshed_at = models.DateTimeField()
    as_of = models.DateField("arrêté au")
    duration_ms = models.PositiveIntegerField(default=0)
    stock_days = models.PositiveSmallIntegerField()
    not_started_days = models.PositiveSmallIntegerField()
    referral_days = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-refreshed_at"]

    def __str__(self):
        return f"Chiffres arrêtés au {self.as_of:%d/%m/%Y}"


class ChequebookTally(Tally):
    """Chequebooks grouped by vintage, envelope, front desk, public and the person's EPCI,
    counted by where they are and how far they were used, with their cheques by state.

    States and usage are measures, not dimensions, so that a group holds every chequebook of
    a desk, vintage and public: the tally stays small whatever the number of cheques."""

    vintage = _fk("programme.Vintage")
    envelope = _fk("programme.Envelope")
    side = models.CharField(max_length=4, blank=True)
    envelope_epci = _fk("territory.Epci")
    front_desk = _fk("organisations.Organisation")
    front_desk_epci = _fk("territory.Epci")
    target_public = _fk("programme.TargetPublic")
    beneficiary_epci = _fk("territory.Epci")
    # Chequebooks.
    chequebooks = models.PositiveIntegerField(default=0)  # bought (opposed ones included)
    in_stock = models.PositiveIntegerField(default=0)  # the programme's, of running vintages
    #: In stock at a desk (chequebooks' ``stock_at_desk_q``: a vintage not ended), at the refresh.
    at_front_desk = models.PositiveIntegerField(default=0)
    #: Still at a desk, of an ended vintage (chequebooks' ``to_give_back_q``), at the refresh.
    to_give_back = models.PositiveIntegerField(default=0)
    #: Idle at a desk (chequebooks' ``idle_stock_q``), at the refresh.
    stale_stock = models.PositiveIntegerField(default=0)
    cancelled_books = models.PositiveIntegerField(default=0)
    handed_out = models.PositiveIntegerField(default=0)  # ever handed to a person
    started = models.PositiveIntegerField(default=0)  # handed out, at least one cheque used
    full = models.PositiveIntegerField(default=0)  # every cheque used
    #: Handed out longer than the radar's threshold and never started, at the refresh.
    not_started = models.PositiveIntegerField(default=0)
    # Cheques.
    cheques = models.PositiveIntegerField(default=0)
    used = models.PositiveIntegerField(default=0)  # redeemed, on a statement or paid
    paid = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    expired_handed = models.PositiveIntegerField(default=0)  # expired after the hand-over
    cancelled = models.PositiveIntegerField(default=0)
    usable = models.PositiveIntegerField(default=0)  # in stock, at a front desk, handed out
    handed = models.PositiveIntegerField(default=0)  # in the hands of a person, unused
    #: Cheques of handed-out chequebooks except opposed ones: in hand, used, or expired.
    cheques_handed_out = models.PositiveIntegerField(default=0)


class HandoverTally(Tally):
    """Chequebooks handed out, by month of hand-over."""

    vintage = _fk("programme.Vintage")
    side = models.CharField(max_length=4, blank=True)
    envelope_epci = _fk("territory.Epci")
    front_desk = _fk("organisations.Organisation")
    front_desk_epci = _fk("territory.Epci")
    beneficiary_epci = _fk("territory.Epci")
    month = models.DateField(null=True, blank=True)
    chequebooks = models.PositiveIntegerField(default=0)
    cheques = models.PositiveIntegerField(default=0)


class RedemptionTally(Tally):
    vintage = _fk("programme.Vintage")
    side = models.CharField(max_length=4, blank=True)
    envelope_epci = _fk("territory.Epci")
    beneficiary_epci = _fk("territory.Epci")
    mediator = _fk("organisations.Organisation")
    place_epci = _fk("territory.Epci")
    month = models.DateField(null=True, blank=True)  # month of redemption
    paid = models.BooleanField(default=False)  # on a paid statement
    redemptions = models.PositiveIntegerField(default=0)
    face_value_cents = models.BigIntegerField(default=0)
    mediator_net_cents = models.BigIntegerField(default=0)


class ReferralTally(Tally):
    from_organisation = _fk("organisations.Organisation")
    from_epci = _fk("territory.Epci")
    side = models.CharField(max_length=4, blank=True)
    mediator = _fk("organisations.Organisation")
    place_epci = _fk("territory.Epci")
    beneficiary_epci = _fk("territory.Epci")
    #: The vintage of the chequebook the referral came with (the referrals' funnel filters
    #: on it; the other referral figures do not).
    vintage = _fk("programme.Vintage")
    state = models.CharField(max_length=16)
    overdue = models.BooleanField(default=False)  # proposed, older than the follow-up delay
    referrals = models.PositiveIntegerField(default=0)
    #: With an appointment booked, ever (``appointments.referral_booked_q``).
    booked = models.PositiveIntegerField(default=0)
    #: With an appointment held (``appointments.referral_held_q``).
    held = models.PositiveIntegerField(default=0)


class AssessmentTally(Tally):
    """First assessment of each person by level; and, for re-assessed people, the gain."""

    organisation = _fk("organisations.Organisation")
    organisation_epci = _fk("territory.Epci")
    side = models.CharField(max_length=4, blank=True)
    beneficiary_epci = _fk("territory.Epci")
    target_public = _fk("programme.TargetPublic")
    level_label = models.CharField(max_length=100)
    people = models.PositiveIntegerField(default=0)
    reassessed = models.PositiveIntegerField(default=0)
    gain_total = models.IntegerField(default=0)  # sum of (last score − first score)


#: ImpactTally's dimensions, each a bit of its ``grouping``: a row counts the people of the
#: chequebooks that share the values of the dimensions in its grouping (the others: any).
IMPACT_DIMENSIONS = {"vintage": 1, "envelope_epci": 2, "side": 4, "organisation": 8}


class ImpactTally(Tally):
    """Progress and impact (``reporting.selectors.impact``), for every combination of the
    filters the impact table obeys (vintage, the envelope's EPCI, the envelope's side, the
    organisation holding or having handed out the chequebook), each person once per row.

    A person with chequebooks in two groups (two vintages, two desks) must count once in
    their union, which no sum of groups gives: so each row is one *grouping* (a subset of
    ``IMPACT_DIMENSIONS``, its bits in ``grouping``) and counts the distinct people of the
    handed-out chequebooks sharing its values. For filters on dimensions D, the table reads
    the rows grouped by D (the total), by D + vintage and by D + EPCI. At most 16 groupings,
    each the size of its dimensions' combinations: the tally grows with vintages, EPCI and
    desks, not with people or cheques. A dimension outside the row's grouping is null ("")."""

    grouping = models.PositiveSmallIntegerField()
    vintage = _fk("programme.Vintage")
    #: The envelope's EPCI (null in a row grouped by EPCI: CD12's envelope).
    envelope_epci = _fk("territory.Epci")
    side = models.CharField(max_length=4, blank=True)
    #: The chequebook's holder or the desk that handed it out (a chequebook counts for both).
    organisation = _fk("organisations.Organisation")
    people = models.PositiveIntegerField(default=0)  # handed at least one of these chequebooks
    with_session = models.PositiveIntegerField(default=0)  # … and took part in a session
    sessions = models.PositiveIntegerField(default=0)  # their sessions, all of them
    rose = models.PositiveIntegerField(default=0)  # … whose level rose
    autonomous = models.PositiveIntegerField(default=0)  # … who reached autonomy
    counted = models.PositiveIntegerField(default=0)  # … rose or reached autonomy
    #: Mediator net of these chequebooks' redemptions on paid statements.
    paid_cents = models.BigIntegerField(default=0)


class ExportJob(models.Model):
    """A large export run in Celery; the person who asked follows its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    kind = models.CharField("export", max_length=30)
    format = models.CharField(max_length=4, choices=Format.choices)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    row_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="reporting/exports/", blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "export"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Export n° {self.pk}"


class Report(models.Model):
    """A periodic report (PDF) for a period, fit to send to the State."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    period_start = models.DateField("du")
    period_end = models.DateField("au")
    #: Set when an EPCI coordinator asked: the report covers that EPCI only.
    epci = models.ForeignKey(
        "territory.Epci", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="reporting/reports/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "rapport périodique"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Rapport du {self.period_start:%d/%m/%Y} au {self.period_end:%d/%m/%Y}"
