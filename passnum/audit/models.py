"""The append-only journal: every change of state, every read of personal data."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .sentences import sentence_for


class JournalIsAppendOnly(Exception):
    """Raised on any attempt to change or delete a journal entry."""


class JournalEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise JournalIsAppendOnly("Le journal ne se modifie pas.")

    def delete(self):
        raise JournalIsAppendOnly("Le journal ne s'efface pas.")

    def for_object(self, obj):
        return self.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
        )


class JournalEntry(models.Model):
    """One event: who, acting for which organisation, did what, to what, when."""

    action = models.CharField("action", max_length=80, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="personne",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField("objet", max_length=255, blank=True)
    details = models.JSONField("détails", default=dict, blank=True)
    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise JournalIsAppendOnly("Une entrée du journal ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise JournalIsAppendOnly("Une entrée du journal ne s'efface pas.")

    @property
    def sentence(self):
        """The entry in French (its event's sentence, ``sentences.sentence_for``)."""
        return sentence_for(self)
