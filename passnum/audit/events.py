"""Typed journal events: one object per action, holding its code, French sentence and the
shape of its details.

Each app declares its events in its ``journal.py``::

    CHEQUEBOOK_HANDED_OUT = event(
        "chequebooks.chequebook.handed_over", "{actor} a remis le {target}", details=("vintage",)
    )

and its services record them: ``journal.CHEQUEBOOK_HANDED_OUT.record(actor=..., target=...,
vintage=2026)``. No action code is written anywhere else. Recording refuses details the event
does not declare and requires those it does (``optional`` ones may be left out), so the sentence
people read always has its words. Each entry reads as its event's sentence (``sentence_for``,
``JournalEntry.sentence``)."""

import string
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

from .models import JournalEntry
from .sentences import EVENTS

#: Placeholders every sentence may use, filled from the entry itself.
ENTRY_FIELDS = ("actor", "organisation", "target")


class UnknownDetails(TypeError):
    """An event was recorded with details it does not declare, or without required ones."""


@dataclass(frozen=True)
class Event:
    code: str
    sentence: str
    details: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    def placeholders(self) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.sentence) if name}

    def record(self, *, actor=None, organisation=None, target=None, **details) -> JournalEntry:
        """Append this event to the journal.

        Rule: every change of state, every read of a person's record and every export of personal
        data is journaled, with who did it, for which organisation, when and on what."""
        entry = self.entry(actor=actor, organisation=organisation, target=target, **details)
        entry.save()
        return entry

    def entry(self, *, actor=None, organisation=None, target=None, **details) -> JournalEntry:
        """The journal entry ``record`` appends, checked but not saved yet: for a service that
        writes several rows in one statement (the redemption). Saving it is recording it."""
        given = set(details)
        missing = set(self.details) - given
        unknown = given - set(self.details) - set(self.optional)
        if missing or unknown:
            raise UnknownDetails(
                f"{self.code}: details missing {sorted(missing)}, not declared {sorted(unknown)}"
            )
        if actor is not None and not getattr(actor, "is_authenticated", False):
            actor = None
        entry = JournalEntry(
            action=self.code, actor=actor, organisation=organisation, details=details
        )
        if target is not None:
            entry.target_type = ContentType.objects.get_for_model(target)
            entry.target_id = str(target.pk)
            entry.target_repr = str(target)[:255]
        return entry


def event(code: str, sentence: str, *, details=(), optional=()) -> Event:
    """Declare (and register) one journal event. A code is declared once."""
    if code in EVENTS:
        raise ValueError(f"Journal event {code} is declared twice.")
    declared = Event(code=code, sentence=sentence, details=tuple(details), optional=tuple(optional))
    allowed = set(ENTRY_FIELDS) | set(declared.details) | set(declared.optional)
    unknown = declared.placeholders() - allowed
    if unknown:
        raise ValueError(f"Journal event {code}: its sentence uses undeclared {sorted(unknown)}.")
    EVENTS[code] = declared
    return declared
