import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orientation.models import Questionnaire
from orientation.services import (
    DEFAULT_QUESTIONS,
    assessment_no_handover,
    assessment_record,
    level_save,
    question_save,
    questionnaire_default_create,
    questionnaire_draft_create,
    questionnaire_publish,
)
from passnum.programme.models import Service
from tests.factories import BeneficiaryFactory, manager_membership

pytestmark = pytest.mark.django_db


def _answers(questionnaire, pick):
    answers = {}
    for question in questionnaire.questions.all():
        choices = list(question.choices.all())
        answers[question.pk] = choices[min(pick, len(choices) - 1)].pk
    return answers


def test_default_questionnaire_is_published_current_and_idempotent(reference_data):
    first = questionnaire_default_create()
    assert questionnaire_default_create() == first
    assert first.is_published and first.is_current
    assert 8 <= first.questions.count() <= 12
    assert {lv.code for lv in first.levels.all()} == {"a-accompagner", "avec-guidage", "autonome"}
    assert all(lv.suggested_services.exists() for lv in first.levels.all())


def test_published_versions_are_frozen(world):
    manager = manager_membership()
    with pytest.raises(ValidationError, match="Une version publiée ne change plus"):
        question_save(
            questionnaire=world.questionnaire,
            membership=manager,
            text="Nouvelle ?",
            choices=[("Oui", 1), ("Non", 0)],
        )
    with pytest.raises(ValidationError, match="Une version publiée ne change plus"):
        level_save(
            questionnaire=world.questionnaire,
            membership=manager,
            code="x",
            label="X",
            min_score=0,
            suggested_cheques=1,
            suggests_handover=True,
        )


def test_only_managers_edit_the_questionnaire(world):
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme modifie"):
        questionnaire_draft_create(membership=world.agent)


def _published_content(questionnaire):
    return [
        (q.text, [(c.label, c.score) for c in q.choices.all()])
        for q in Questionnaire.objects.get(pk=questionnaire.pk).questions.all()
    ]


def test_a_new_version_leaves_old_assessments_their_meaning(world, login):

    person = BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)
    old = assessment_record(
        beneficiary=person, membership=world.agent, answers=_answers(world.questionnaire, 2)
    )
    published_before = _published_content(world.questionnaire)
    assert published_before[0][0] == DEFAULT_QUESTIONS[0][0]
    manager = manager_membership()
    draft = questionnaire_draft_create(membership=manager)
    assert draft.version == world.questionnaire.version + 1 and not draft.is_published
    assert draft.questions.count() == world.questionnaire.questions.count()
    first = draft.questions.first()
    question_save(
        questionnaire=draft,
        membership=manager,
        question=first,
        text="Question reformulée ?",
        choices=[("Non", 0), ("Oui", 5)],
    )
    level_save(
        questionnaire=draft,
        membership=manager,
        code="autonome",
        label="Autonome (v2)",
        min_score=30,
        suggested_cheques=0,
        suggests_handover=False,
        level=draft.levels.get(code="autonome"),
    )
    questionnaire_publish(questionnaire=draft, membership=manager)
    world.questionnaire.refresh_from_db()
    assert draft.is_current and not world.questionnaire.is_current
    # editing the draft left the published version as it was
    assert _published_content(world.questionnaire) == published_before
    old.refresh_from_db()
    assert old.questionnaire == world.questionnaire
    assert old.answers[0]["question"] == DEFAULT_QUESTIONS[0][0]
    assert old.answers[0]["answer"] == DEFAULT_QUESTIONS[0][2][2][0]
    assert old.score == 20 and old.level_label == "Autonome"
    new = assessment_record(beneficiary=person, membership=world.agent, answers=_answers(draft, 1))
    assert new.questionnaire == draft
    assert new.answers[0]["question"] == "Question reformulée ?"
    # the person's record still shows the old assessment in the old words
    client = login(world.agent)
    page = client.get(reverse("orientation:person_detail", args=[person.pk])).content.decode()
    assert ">Autonome<" in page
    data = client.get(reverse("orientation:person_export", args=[person.pk])).json()
    first, latest = data["pre_evaluations"]
    assert first["reponses"][0]["question"] == DEFAULT_QUESTIONS[0][0]
    assert first["niveau"] == "Autonome" and first["score"] == 20
    assert latest["reponses"][0]["question"] == "Question reformulée ?"


def test_publish_needs_a_level_for_the_lowest_score(world):
    manager = manager_membership()
    draft = questionnaire_draft_create(membership=manager)
    draft.levels.filter(code="a-accompagner").delete()
    with pytest.raises(ValidationError, match="score minimal est au plus 0"):
        questionnaire_publish(questionnaire=draft, membership=manager)


def test_assessment_copies_score_level_and_suggestions(world):
    person = BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)
    low = assessment_record(
        beneficiary=person, membership=world.agent, answers=_answers(world.questionnaire, 0)
    )
    assert low.score == 0 and low.level_code == "a-accompagner" and low.suggested_cheques == 10
    high = assessment_record(
        beneficiary=person, membership=world.agent, answers=_answers(world.questionnaire, 2)
    )
    assert high.level_code == "autonome" and not high.handover_suggested
    assert all("answer" in a and "score" in a for a in high.answers)


def test_unanswered_question_is_refused(world):
    person = BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)
    answers = _answers(world.questionnaire, 0)
    answers.popitem()
    with pytest.raises(ValidationError, match="Répondez à la question"):
        assessment_record(beneficiary=person, membership=world.agent, answers=answers)


def test_no_handover_only_for_an_autonomous_person_and_with_a_reason(world):
    person = BeneficiaryFactory(registered_by_organisation=world.desk, target_public=world.public)
    low = assessment_record(
        beneficiary=person, membership=world.agent, answers=_answers(world.questionnaire, 0)
    )
    with pytest.raises(ValidationError, match="la remise d'un chéquier est conseillée"):
        assessment_no_handover(assessment=low, membership=world.agent, reason="Pas besoin")
    high = assessment_record(
        beneficiary=person, membership=world.agent, answers=_answers(world.questionnaire, 2)
    )
    with pytest.raises(ValidationError) as refused:
        assessment_no_handover(assessment=high, membership=world.agent, reason=" ")
    assert refused.value.message_dict == {
        "reason": ["Indiquez pourquoi aucun chéquier n'est remis."]
    }
    assessment_no_handover(assessment=high, membership=world.agent, reason="Autonome")
    high.refresh_from_db()
    assert high.handover_decision is False and high.no_handover_reason == "Autonome"


def test_manager_edits_a_draft_through_the_pages(world, login):
    manager = manager_membership()
    client = login(manager)
    assert client.get(reverse("orientation:questionnaire_list")).status_code == 200
    response = client.post(reverse("orientation:questionnaire_list"))
    draft = Questionnaire.objects.get(is_published=False)
    url = reverse("orientation:questionnaire_detail", args=[draft.pk])
    assert response.url == url
    client.post(
        url,
        {
            "action": "add_question",
            "new-text": "Utilisez-vous une messagerie ?",
            "new-choices": "Non | 0\nOui | 2",
        },
    )
    assert draft.questions.filter(text="Utilisez-vous une messagerie ?").exists()
    question = draft.questions.first()
    edit = reverse("orientation:question_edit", args=[question.pk])
    assert client.get(edit).status_code == 200
    client.post(edit, {"text": "Changée ?", "choices": "A | 0\nB | 1", "position": 0})
    question.refresh_from_db()
    assert question.text == "Changée ?" and question.choices.count() == 2
    client.post(url, {"action": "publish"})
    draft.refresh_from_db()
    assert draft.is_current


def test_questionnaire_pages_are_for_managers_only(world, login):
    client = login(world.agent)
    assert client.get(reverse("orientation:questionnaire_list")).status_code == 404
    url = reverse("orientation:questionnaire_detail", args=[world.questionnaire.pk])
    assert client.get(url).status_code == 404


def test_manager_changes_a_levels_threshold_and_suggestions_in_a_draft(world, login):

    manager = manager_membership()
    draft = questionnaire_draft_create(membership=manager)
    level = draft.levels.get(code="autonome")
    client = login(manager)
    url = reverse("orientation:questionnaire_detail", args=[draft.pk])
    page = client.get(url, {"niveau": level.pk}).content.decode()
    assert 'value="autonome"' in page
    service = Service.objects.get(code="loisirs")
    client.post(
        url,
        {
            "action": "save_level",
            "level-label": "Autonome",
            "level-code": "autonome",
            "level-min_score": 18,
            "level-suggested_cheques": 2,
            "level-services": [service.pk],
        },
    )
    level.refresh_from_db()
    assert level.min_score == 18 and level.suggested_cheques == 2
    assert not level.suggests_handover
    assert list(level.suggested_services.all()) == [service]
    published = world.questionnaire.levels.get(code="autonome")
    assert published.min_score != 18  # the version in service did not change
