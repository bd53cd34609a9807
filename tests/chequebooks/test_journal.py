"""The cheque stock's journal: every action is a typed event with its French sentence."""

import pytest

from chequebooks import journal
from passnum.audit.events import UnknownDetails
from passnum.audit.models import JournalEntry
from passnum.audit.sentences import EVENTS, sentence_for


def test_every_chequebooks_event_is_registered_with_a_sentence():
    declared = [
        v for v in vars(journal).values() if getattr(v, "code", "").startswith("chequebooks.")
    ]
    assert len(declared) == 20
    for event in declared:
        assert EVENTS[event.code] is event and event.sentence


@pytest.mark.parametrize(
    ("action", "details", "expected"),
    [
        ("chequebooks.print_run.relaunched", {}, "Le système a relancé l'impression n° 3"),
        (
            "chequebooks.vintage.freeze_notified",
            {"recipients": 4},
            "Les accueils détenant des chéquiers du millésime 2026 ont été prévenus du gel des "
            "remises (4 destinataires)",
        ),
    ],
)
def test_the_two_codes_that_had_no_sentence_now_read(action, details, expected):
    target = "impression n° 3" if "print_run" in action else "millésime 2026"
    entry = JournalEntry(action=action, details=details, target_repr=target)
    assert sentence_for(entry) == expected


def test_an_event_refuses_details_it_does_not_declare():
    with pytest.raises(UnknownDetails, match="not declared \\['oops'\\]"):
        journal.VINTAGE_EXPIRED.record(count=1, oops=2)
    with pytest.raises(UnknownDetails, match="details missing \\['count'\\]"):
        journal.VINTAGE_EXPIRED.record()
