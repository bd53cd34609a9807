"""How a journal entry reads: the registry of declared events and the sentence of an entry.

Kept apart from ``events.py`` (which writes entries, so imports the model) so that the model
can read its own sentence without a cycle."""

#: Every declared event, by code: filled when each app's journal.py is imported (AppConfig.ready).
EVENTS: dict = {}


class _Unknown(dict):
    """An entry's details, where a placeholder they lack reads « ? » (a row stored before its
    event declared that detail)."""

    def __missing__(self, key):
        return "?"


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
        target=entry.target_repr,
    )
    return declared.sentence.format_map(values)
