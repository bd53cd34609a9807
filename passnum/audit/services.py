"""Writing to the journal. Every service that changes state calls ``journal_record``."""

from django.contrib.contenttypes.models import ContentType

from .models import JournalEntry


def journal_record(
    *,
    action: str,
    actor=None,
    organisation=None,
    target=None,
    details: dict | None = None,
) -> JournalEntry:
    """Append one entry to the journal.

    Rule: every change of state, every read of a beneficiary's record and every export of
    personal data is journaled, with who did it, for which organisation, when and on what.
    ``action`` is namespaced (``chequebooks.chequebook.handed_over``); its French sentence is
    registered in the app's ``journal.py``.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = JournalEntry(
        action=action,
        actor=actor,
        organisation=organisation,
        details=details or {},
    )
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target)
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:255]
    entry.save()
    return entry
