"""Cheque stock: print runs, operator imports, chequebooks and cheques, their movements."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class ChequebookState(models.TextChoices):
    IN_STOCK = "in_stock", "En stock"
    AT_FRONT_DESK = "at_front_desk", "À l'accueil"
    HANDED_OUT = "handed_out", "Remis"
    CANCELLED = "cancelled", "Opposé"


class ChequeState(models.TextChoices):
    IN_STOCK = "in_stock", "En stock"
    AT_FRONT_DESK = "at_front_desk", "À l'accueil"
    HANDED_OUT = "handed_out", "Remis"
    REDEEMED = "redeemed", "Encaissé"
    ON_STATEMENT = "on_statement", "Sur un relevé"
    PAID = "paid", "Payé"
    CANCELLED = "cancelled", "Opposé"
    EXPIRED = "expired", "Expiré"


def awaiting_receipt_q(prefix: str = "") -> Q:
    """Rule: a chequebook awaits its receipt while it is at a front desk that has not confirmed
    receiving it (``received_at`` empty). ``Chequebook.is_awaiting_receipt`` says it of one."""
    return Q(
        **{f"{prefix}state": ChequebookState.AT_FRONT_DESK, f"{prefix}received_at__isnull": True}
    )


def print_run_file_path(instance, filename):
    """Print files carry security codes: stored under an unguessable folder of private storage,
    served only through a scoped, journaled view (never a public URL)."""
    return f"private/print-runs/{secrets.token_hex(16)}/{filename}"


class PrintRun(models.Model):
    """N chequebooks created by the programme for a vintage and an envelope, and their file."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    vintage = models.ForeignKey("programme.Vintage", on_delete=models.PROTECT)
    envelope = models.ForeignKey("programme.Envelope", on_delete=models.PROTECT)
    chequebook_count = models.PositiveIntegerField("nombre de chéquiers")
    cheques_per_chequebook = models.PositiveSmallIntegerField(default=10)
    first_number = models.PositiveBigIntegerField(null=True, blank=True)
    last_number = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    #: Moved by the rendering at its claim and after each chunk: a run "running" whose
    #: heartbeat is older than ``PRINT_RUN_STALE_MINUTES`` lost its worker.
    heartbeat_at = models.DateTimeField("dernier signe de vie", null=True, blank=True)
    #: Which rendering owns the run: each claim takes the next value, and a rendering that no
    #: longer owns its run stops writing.
    attempt = models.PositiveIntegerField("tentative", default=0)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to=print_run_file_path, blank=True, max_length=200)
    file_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "impression"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Impression n° {self.pk}"


def print_run_part_path(instance, filename):
    """A chunk's part of a print file carries security codes in clear, like the file itself:
    private storage, an unguessable folder, deleted once merged (or once its attempt is
    void)."""
    return f"private/print-runs/parts/{secrets.token_hex(16)}/{filename}"


class PrintRunPart(models.Model):
    """One chunk of a print run's rendering (``attempt``: the rendering that planned it): a
    range of the run's chequebook numbers rendered by its own Celery task, its PDF kept until
    the last part done merges them all (``print_run_chunk_render``)."""

    print_run = models.ForeignKey(PrintRun, on_delete=models.CASCADE, related_name="parts")
    attempt = models.PositiveIntegerField()
    index = models.PositiveIntegerField()
    first_number = models.PositiveBigIntegerField()
    last_number = models.PositiveBigIntegerField()
    #: Set when a task claims the chunk: a second delivery of its task finds it taken.
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=print_run_part_path, blank=True, max_length=200)

    class Meta:
        verbose_name = "partie d'impression"
        ordering = ["print_run", "attempt", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["print_run", "attempt", "index"], name="print_run_part_unique_index"
            )
        ]

    def __str__(self):
        return f"{self.print_run}, partie {self.index + 1}"


class ImportBatch(models.Model):
    """Stock delivered by an external operator, imported from a CSV (all or nothing)."""

    file_name = models.CharField(max_length=255)
    envelope = models.ForeignKey("programme.Envelope", on_delete=models.PROTECT)
    chequebook_count = models.PositiveIntegerField(default=0)
    cheque_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "import opérateur"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import {self.file_name}"


class Chequebook(models.Model):
    number = models.PositiveBigIntegerField("numéro", unique=True)
    vintage = models.ForeignKey(
        "programme.Vintage", on_delete=models.PROTECT, related_name="chequebooks"
    )
    envelope = models.ForeignKey(
        "programme.Envelope", on_delete=models.PROTECT, related_name="chequebooks"
    )
    cheque_count = models.PositiveSmallIntegerField("nombre de chèques", default=10)
    state = models.CharField(
        "état", max_length=16, choices=ChequebookState.choices, default=ChequebookState.IN_STOCK
    )
    holder = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="accueil détenteur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_chequebooks",
    )
    allocated_at = models.DateTimeField("attribué le", null=True, blank=True)
    received_at = models.DateTimeField("réception confirmée le", null=True, blank=True)
    beneficiary = models.ForeignKey(
        "people.Beneficiary",
        verbose_name="bénéficiaire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chequebooks",
    )
    #: 0 for a person's chequebook of a vintage; 1, 2... for those a manager allowed beyond.
    holding_rank = models.PositiveSmallIntegerField(default=0)
    handed_out_at = models.DateTimeField("remis le", null=True, blank=True)
    handed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handed_out_by_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handed_out_chequebooks",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField("motif d'opposition", max_length=255, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name="remplace",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    print_run = models.ForeignKey(
        PrintRun, null=True, blank=True, on_delete=models.PROTECT, related_name="chequebooks"
    )
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="chequebooks"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "chéquier"
        ordering = ["number"]
        indexes = [
            models.Index(fields=["state", "vintage"]),
            models.Index(fields=["holder", "state"]),
            # The radar's idle stock, counted live on the dashboard (``idle_stock_q``): an
            # index-only count, whatever the number of chequebooks around it.
            models.Index(fields=["state", "vintage", "allocated_at"], name="chequebook_idle_stock"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cheque_count__in=[5, 10]), name="chequebook_size_5_or_10"
            ),
            models.CheckConstraint(
                condition=~Q(state="handed_out")
                | Q(beneficiary__isnull=False, handed_out_at__isnull=False),
                name="chequebook_handed_out_has_beneficiary",
            ),
            models.CheckConstraint(
                condition=~Q(state="at_front_desk") | Q(holder__isnull=False),
                name="chequebook_at_front_desk_has_holder",
            ),
            # One chequebook per person and vintage; more only with a manager's exception,
            # which gives the next rank. A cancelled chequebook frees its rank.
            models.UniqueConstraint(
                fields=["beneficiary", "vintage", "holding_rank"],
                condition=Q(beneficiary__isnull=False) & ~Q(state="cancelled"),
                name="chequebook_one_per_beneficiary_vintage_rank",
            ),
        ]

    def __str__(self):
        return f"Chéquier {self.number}"

    def get_absolute_url(self):
        return reverse("chequebooks:chequebook_detail", args=[self.pk])

    @property
    def is_awaiting_receipt(self) -> bool:
        """``awaiting_receipt_q`` for this chequebook."""
        return self.state == ChequebookState.AT_FRONT_DESK and self.received_at is None


class Cheque(models.Model):
    chequebook = models.ForeignKey(Chequebook, on_delete=models.PROTECT, related_name="cheques")
    number = models.PositiveBigIntegerField("numéro", unique=True)
    position = models.PositiveSmallIntegerField("rang dans le chéquier")
    #: HMAC-SHA256 of the security code with PASSNUM_CHEQUE_CODE_KEY (kept outside the DB).
    code_hash = models.CharField(max_length=64, blank=True)
    state = models.CharField(
        "état", max_length=16, choices=ChequeState.choices, default=ChequeState.IN_STOCK
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField("motif d'opposition", max_length=255, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "chèque"
        ordering = ["number"]
        indexes = [models.Index(fields=["state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["chequebook", "position"], name="cheque_unique_position"
            ),
        ]

    def __str__(self):
        return f"Chèque {self.number}"


class HandoverException(models.Model):
    """A programme manager's written permission for one more chequebook of a vintage."""

    beneficiary = models.ForeignKey(
        "people.Beneficiary", on_delete=models.PROTECT, related_name="handover_exceptions"
    )
    vintage = models.ForeignKey("programme.Vintage", on_delete=models.PROTECT)
    reason = models.TextField("motif")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    granted_at = models.DateTimeField(auto_now_add=True)
    used_by = models.OneToOneField(
        Chequebook, null=True, blank=True, on_delete=models.PROTECT, related_name="exception"
    )

    class Meta:
        verbose_name = "dérogation"
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="exception_has_reason"),
        ]

    def __str__(self):
        # Never the person's name: this text is copied into the journal.
        return f"Dérogation n° {self.pk}"


class StockMovement(models.Model):
    """A chequebook moving between the programme's stock and front desks."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", "Attribution"
        RECEIPT = "receipt", "Réception"
        TRANSFER = "transfer", "Transfert"
        RETURN = "return", "Retour au stock"

    chequebook = models.ForeignKey(Chequebook, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    from_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "mouvement de stock"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} du chéquier {self.chequebook_id}"
