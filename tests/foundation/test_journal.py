"""The journal: append-only in the model and in PostgreSQL; searched by programme managers."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from passnum.audit.models import JournalEntry, JournalIsAppendOnly
from passnum.audit.selectors import journal_for_object
from passnum.audit.sentences import SENTENCES, sentence_for
from passnum.audit.services import journal_record
from tests.factories import (
    FrontDeskFactory,
    UserFactory,
    evaluator_membership,
    manager_membership,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    desk = FrontDeskFactory(name="Accueil journalisé")
    return journal_record(
        action="organisations.organisation.updated",
        actor=UserFactory(first_name="Léa", last_name="Martin"),
        organisation=desk,
        target=desk,
        details={"fields": "nom"},
    )


def test_an_entry_reads_as_a_french_sentence(entry):
    assert entry.sentence == "Léa Martin a modifié la structure Accueil journalisé : nom"


def test_an_unknown_action_still_reads(entry):
    other = journal_record(action="inconnu.chose.faite", target=entry.organisation)
    assert "inconnu.chose.faite" in sentence_for(other)
    assert sentence_for(other).startswith("Le système")


def test_every_registered_sentence_formats_without_error(entry):
    for action, template in SENTENCES.items():
        assert template.format_map(type("D", (dict,), {"__missing__": lambda self, k: "x"})()), (
            action
        )


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
    later = journal_record(action="organisations.organisation.updated", target=entry.organisation)
    assert list(journal_for_object(entry.organisation)) == [later, entry]


# --- Search --------------------------------------------------------------------------------------


def _rows(response):
    return [row.record for row in response.context["table"].paginated_rows]


def test_managers_search_the_journal_by_person_organisation_action_and_dates(client, login):
    manager = manager_membership()
    login(manager)
    lea = UserFactory(first_name="Léa", last_name="Cherche", email="lea@example.org")
    desk_a, desk_b = FrontDeskFactory(), FrontDeskFactory()
    a = journal_record(action="programme.vintage.created", actor=lea, organisation=desk_a)
    b = journal_record(
        action="organisations.invitation.sent",
        actor=manager.user,
        organisation=desk_b,
        details={"email": "x@example.org"},
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
        template = SENTENCES.get(entry.action)
        assert template is not None, f"no French sentence for {entry.action}"
        template.format_map(
            Strict(entry.details or {}, actor="", organisation="", target=entry.target_repr)
        )
    assert missing == set()
