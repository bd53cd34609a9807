"""The journal's own events."""

from .events import event

JOURNAL_SEARCHED = event("audit.journal.searched", "{actor} a consulté le journal")
