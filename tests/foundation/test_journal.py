"""The journal: append-only in the model and in PostgreSQL; searched by programme managers."""

import ast
import datetime
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from passnum.audit.events import ENTRY_FIELDS, Event, UnknownDetails
from passnum.audit.models import JournalEntry, JournalIsAppendOnly
from passnum.audit.selectors import journal_for_object
from passnum.audit.sentences import EVENTS, sentence_fill, sentence_for
from passnum.organisations import journal as organisations_journal
from passnum.programme import journal as programme_journal
from tests.factories import (
    FrontDeskFactory,
    UserFactory,
    evaluator_membership,
    manager_membership,
)

pytestmark = pytest.mark.django_db


#: The project's own apps (their journal.py declares their events).
PROJECT_APPS = [
    config
    for config in apps.get_app_configs()
    if config.name.startswith("passnum.")
    or config.name in ("chequebooks", "orientation", "mediation", "reporting")
]


@pytest.fixture
def entry():
    desk = FrontDeskFactory(name="Accueil journalisé")
    return organisations_journal.ORGANISATION_UPDATED.record(
        actor=UserFactory(first_name="Léa", last_name="Martin"),
        organisation=desk,
        target=desk,
        fields="nom",
    )


def test_an_entry_reads_as_a_french_sentence(entry):
    assert entry.sentence == "Léa Martin a modifié la structure Accueil journalisé : nom"


def test_an_unknown_action_still_reads(entry):
    other = JournalEntry(action="inconnu.chose.faite", target_repr="Objet")
    assert "inconnu.chose.faite" in sentence_for(other)
    assert sentence_for(other).startswith("Le système")


def test_every_event_is_namespaced_by_an_installed_app():
    labels = {config.label for config in apps.get_app_configs()}
    assert EVENTS
    for code, declared in EVENTS.items():
        assert declared.code == code
        app, thing, verb = code.split(".")
        assert app in labels, code
        assert thing and verb, code


def test_every_events_sentence_reads_with_its_declared_details():
    """Each sentence formats with a sample value for every declared detail (required or
    optional) plus the actor, organisation and target: no placeholder is left as « ? »."""
    for code, declared in EVENTS.items():
        sample = {key: f"<{key}>" for key in (*declared.details, *declared.optional)}
        entry = JournalEntry(action=code, details=sample, target_repr="<target>")
        sentence = sentence_for(entry)
        assert sentence.count("?") == declared.sentence.count("?"), code
        assert "{" not in sentence, code
        used = declared.placeholders() - set(ENTRY_FIELDS)
        assert all(f"<{key}>" in sentence for key in used), code


def test_each_apps_journal_module_declares_its_events():
    """Every registered event is a constant of some project app's journal.py, and every app
    that has a journal.py loads it (AppConfig.ready): the registry and the modules agree."""
    declared = {}
    for config in PROJECT_APPS:
        try:
            module = importlib.import_module(f"{config.name}.journal")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, Event):
                declared[value.code] = value
    assert declared == EVENTS


def test_recording_refuses_missing_or_undeclared_details(db):
    with pytest.raises(UnknownDetails, match=r"details missing \['changes'\]"):
        programme_journal.VINTAGE_UPDATED.record()
    with pytest.raises(UnknownDetails, match=r"not declared \['surprise'\]"):
        programme_journal.VINTAGE_CREATED.record(surprise=1)
    assert not JournalEntry.objects.exists()


def _hand_written_entries(path: Path) -> list[int]:
    """Lines that write the journal without an event: a call to the old ``journal_record`` or
    a ``JournalEntry(...)`` / ``JournalEntry.objects.create(...)`` of their own."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = getattr(func, "id", None) or getattr(func, "attr", None)
        creates = name in ("create", "bulk_create") and "JournalEntry" in ast.unparse(func)
        if name in ("journal_record", "JournalEntry") or creates:
            lines.append(node.lineno)
    return lines


def test_no_product_module_writes_an_action_code_by_hand():
    """Services record typed events (``journal.X.record``): no product module writes a journal
    entry itself, with an action code of its own; only ``Event.record`` creates entries."""
    root = Path(settings.BASE_DIR)
    offenders = []
    for top in ("passnum", "chequebooks", "orientation", "mediation", "reporting"):
        for path in (root / top).rglob("*.py"):
            if "migrations" in path.parts or path == root / "passnum/audit/events.py":
                continue
            offenders += [f"{path.relative_to(root)}:{n}" for n in _hand_written_entries(path)]
    assert offenders == []


def test_the_model_refuses_update(entry):
    entry.action = "falsifié"
    with pytest.raises(JournalIsAppendOnly):
        entry.save()
    with pytest.raises(JournalIsAppendOnly):
        JournalEntry.objects.filter(pk=entry.pk).update(action="falsifié")
    assert JournalEntry.objects.get(pk=entry.pk).action == "organisations.organisation.updated"


def test_the_model_refuses_delete(entry):
    with pytest.raises(JournalIsAppendOnly):
        entry.delete()
    with pytest.raises(JournalIsAppendOnly):
        JournalEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(JournalIsAppendOnly):
        JournalEntry.objects.all().delete()
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_update(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_journalentry SET action = 'falsifié' WHERE id = %s", [entry.pk]
        )
    assert JournalEntry.objects.get(pk=entry.pk).action == "organisations.organisation.updated"


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_delete(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_journalentry WHERE id = %s", [entry.pk])
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


def test_an_objects_history_is_its_entries_newest_first(entry):
    later = organisations_journal.ORGANISATION_UPDATED.record(
        target=entry.organisation, fields="nom"
    )
    assert list(journal_for_object(entry.organisation)) == [later, entry]


# --- Search --------------------------------------------------------------------------------------


def _rows(response):
    return [row.record for row in response.context["table"].paginated_rows]


def test_managers_search_the_journal_by_person_organisation_action_and_dates(client, login):
    manager = manager_membership()
    login(manager)
    lea = UserFactory(first_name="Léa", last_name="Cherche", email="lea@example.org")
    desk_a, desk_b = FrontDeskFactory(), FrontDeskFactory()
    a = programme_journal.VINTAGE_CREATED.record(actor=lea, organisation=desk_a)
    b = organisations_journal.INVITATION_SENT.record(
        actor=manager.user,
        organisation=desk_b,
        email="x@example.org",
        role="Agent",
        organisation_name=desk_b.name,
    )
    url = reverse("audit:search")

    assert _rows(client.get(url, {"person": "Cherche"})) == [a]
    assert _rows(client.get(url, {"person": "lea@example"})) == [a]
    assert _rows(client.get(url, {"organisation": desk_b.pk})) == [b]
    assert _rows(client.get(url, {"action": "programme."})) == [a]
    today = timezone.localdate()
    assert set(_rows(client.get(url, {"date_from": today.isoformat()}))) >= {a, b}
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert _rows(client.get(url, {"date_to": yesterday})) == []
    page = client.get(url, {"person": "Cherche"}).content.decode()
    assert a.sentence in page


def test_the_journal_search_is_paginated_with_a_query_budget(
    client, login, django_assert_max_num_queries
):
    manager = manager_membership()
    login(manager)
    desks = [FrontDeskFactory() for _ in range(5)]
    people = [UserFactory() for _ in range(5)]
    JournalEntry.objects.bulk_create(
        JournalEntry(
            action="organisations.organisation.updated",
            actor=people[i % 5],
            organisation=desks[i % 5],
            details={"fields": "nom"},
        )
        for i in range(120)
    )
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:search"))
    assert response.status_code == 200
    assert len(_rows(response)) == 50
    assert response.context["table"].paginator.num_pages == 3


def test_only_managers_search_the_journal(client, login):
    login(evaluator_membership())
    assert client.get(reverse("audit:search")).status_code == 404


def test_every_sentence_of_the_demo_finds_its_details():
    """The whole demo (every app's services) journals entries whose sentences name only
    details that were recorded: no placeholder falls back to « ? »."""
    from passnum.site.demo import demo_load

    demo_load(stdout=None)
    missing = set()

    class Strict(dict):
        def __missing__(self, key):
            missing.add((entry.action, key))
            return "?"

    entries = JournalEntry.objects.select_related("actor", "organisation")
    assert entries.count() > 50
    for entry in entries:
        declared = EVENTS.get(entry.action)
        assert declared is not None, f"no French sentence for {entry.action}"
        sentence_fill(
            declared.sentence,
            Strict(entry.details or {}, actor="", organisation="", target=entry.target_repr),
        )
    assert missing == set()


def test_an_event_is_refused_a_sentence_word_it_does_not_declare_or_a_second_declaration():
    """``event()`` is what makes every sentence readable: it refuses a placeholder that is
    neither the entry's (actor, organisation, target) nor a declared detail, and a code
    declared twice."""
    from passnum.audit.events import event

    with pytest.raises(ValueError, match=r"undeclared \['amount'\]"):
        event("tests.thing.done", "{actor} a fait {amount}", details=("count",))
    code = next(iter(EVENTS))
    with pytest.raises(ValueError, match="declared twice"):
        event(code, "{actor}")
    assert "tests.thing.done" not in EVENTS
