"""Reads of the directory."""

from passnum.audit.models import JournalEntry

from . import journal


def bank_details_changes_pending(profile) -> list:
    """The journaled changes of SIRET, IBAN or BIC (old → new, the IBAN masked) made since the
    last re-validation, oldest first, for the manager who re-validates them; none when the
    profile is not flagged."""
    if not profile.bank_details_to_confirm:
        return []
    entries = JournalEntry.objects.for_object(profile)
    confirmed = (
        entries.filter(action=journal.BANK_DETAILS_CONFIRMED.code)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    changes = entries.filter(action=journal.BANK_DETAILS_CHANGED.code)
    if confirmed is not None:
        changes = changes.filter(id__gt=confirmed)
    return list(changes.select_related("actor").order_by("id"))
