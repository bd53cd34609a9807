from .models import JournalEntry


def journal_for_object(obj):
    """An object's history, newest first, with who and for which organisation."""
    return JournalEntry.objects.for_object(obj).select_related("actor", "organisation")
