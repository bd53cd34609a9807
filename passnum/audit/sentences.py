"""One mapping from action code to a French sentence, fed by every app's journal.py."""

SENTENCES: dict[str, str] = {}


def register(mapping: dict[str, str]) -> None:
    """Add sentences: ``{"cheques.cheque.redeemed": "{actor} a encaissé le chèque {target}"}``.

    Placeholders: ``{actor}``, ``{organisation}``, ``{target}`` and any key of the details.
    """
    SENTENCES.update(mapping)


class _Default(dict):
    def __missing__(self, key):
        return "?"


def sentence_for(entry) -> str:
    from .events import EVENTS

    declared = EVENTS.get(entry.action)
    template = declared.sentence if declared is not None else SENTENCES.get(entry.action)
    actor = entry.actor.get_full_name() if entry.actor_id else "Le système"
    values = _Default(entry.details or {})
    values.update(
        actor=actor,
        organisation=entry.organisation.name if entry.organisation_id else "",
        target=entry.target_repr,
    )
    if template is None:
        return f"{actor} : {entry.action} ({entry.target_repr})"
    return template.format_map(values)
