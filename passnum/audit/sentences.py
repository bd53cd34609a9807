"""How a journal entry reads: the registry of declared events and the sentence of an entry.

Kept apart from ``events.py`` (which writes entries, so imports the model) so that the model
can read its own sentence without a cycle.

French, written once here:

- a count carries its noun in the sentence, singular and plural:
  ``"({count:chèque|chèques})"`` reads « (0 chèque) », « (1 chèque) », « (2 chèques) »
  (``passnum.core.text.french_count``: French takes the singular for 0 and 1);
- the sentence writes the article, the target's name follows it in lower case when it starts
  with a common noun (« a remis le chéquier 1042 », « la fiche de l'orientation n° 16 »,
  « le millésime 2026 »), while a proper noun keeps its case (« a créé la structure
  Maison des solidarités »). At the start of a sentence, or quoted « … », it is left as is."""

import string

from passnum.core.text import french_count

#: Every declared event, by code: filled when each app's journal.py is imported (AppConfig.ready).
EVENTS: dict = {}

#: The common nouns a journal target's name may start with (its model's ``__str__``): read in
#: lower case after the sentence's article.
COMMON_NOUNS = frozenset(
    {
        "Activité",
        "Chèque",
        "Chéquier",
        "Convention",
        "Dérogation",
        "Encaissement",
        "Enveloppe",
        "Export",
        "Import",
        "Impression",
        "Invitation",
        "Millésime",
        "Orientation",
        "Personne",
        "Pré-évaluation",
        "Rappel",
        "Rapport",
        "Relevé",
        "Rendez-vous",
    }
)


class _Unknown(dict):
    """An entry's details, where a placeholder they lack reads « ? » (a row stored before its
    event declared that detail)."""

    def __missing__(self, key):
        return "?"


class _SentenceFormatter(string.Formatter):
    """Fills a sentence: ``{name:singular|plural}`` is a count with its noun."""

    def format_field(self, value, format_spec):
        if "|" in format_spec:
            singular, plural = format_spec.split("|", 1)
            try:
                return french_count(int(value), singular, plural)
            except (TypeError, ValueError):
                return f"{value} {plural}"
        return super().format_field(value, format_spec)


_FORMATTER = _SentenceFormatter()


def target_phrase(target_repr: str, sentence: str) -> str:
    """The target's name as the sentence reads it: a leading common noun (COMMON_NOUNS) in
    lower case, unless the name starts the sentence or is quoted."""
    first, _, rest = (target_repr or "").partition(" ")
    if first not in COMMON_NOUNS:
        return target_repr
    if sentence.startswith("{target}") or "« {target}" in sentence:
        return target_repr
    return f"{first.lower()} {rest}".rstrip()


def sentence_fill(sentence: str, values) -> str:
    """``sentence`` filled with ``values`` (a mapping), counts with their nouns."""
    return _FORMATTER.vformat(sentence, (), values)


def sentence_for(entry) -> str:
    """The French sentence of a journal entry: its event's sentence filled with who did it, for
    which organisation, on what, and its details. An action no event declares still reads, as
    its code."""
    actor = entry.actor.get_full_name() if entry.actor_id else "Le système"
    declared = EVENTS.get(entry.action)
    if declared is None:
        return f"{actor} : {entry.action} ({entry.target_repr})"
    values = _Unknown(entry.details or {})
    values.update(
        actor=actor,
        organisation=entry.organisation.name if entry.organisation_id else "",
        target=target_phrase(entry.target_repr, declared.sentence),
    )
    return sentence_fill(declared.sentence, values)
