"""The pre-assessment questionnaire: the default version, drafts, questions and levels, publication
(published versions never change)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from passnum.organisations.roles import (
    require_programme_manager,
)
from passnum.programme.models import Service

from .. import journal
from ..models import Choice, Level, Question, Questionnaire

#: The default questionnaire: (question, help, [(answer, points)]). 0 = needs the most help.
DEFAULT_QUESTIONS = [
    (
        "Avez-vous un ordinateur, une tablette ou un smartphone ?",
        "Équipement",
        [("Aucun", 0), ("Un smartphone seulement", 1), ("Un ordinateur ou une tablette", 2)],
    ),
    (
        "Avez-vous accès à internet chez vous ?",
        "Accès à internet",
        [("Non", 0), ("Seulement avec le téléphone", 1), ("Oui, une box ou la fibre", 2)],
    ),
    (
        "Savez-vous allumer l'appareil et ouvrir une application ?",
        "Prise en main",
        [("Non", 0), ("Avec de l'aide", 1), ("Oui, seul(e)", 2)],
    ),
    (
        "Savez-vous chercher une information sur internet ?",
        "Navigation",
        [("Non", 0), ("Avec de l'aide", 1), ("Oui, seul(e)", 2)],
    ),
    (
        "Avez-vous une adresse e-mail que vous utilisez ?",
        "E-mail",
        [("Non", 0), ("Oui, mais je ne sais pas m'en servir", 1), ("Oui, je la consulte", 2)],
    ),
    (
        "Savez-vous envoyer un e-mail avec une pièce jointe ?",
        "E-mail",
        [("Non", 0), ("Avec de l'aide", 1), ("Oui, seul(e)", 2)],
    ),
    (
        "Faites-vous des démarches en ligne (CAF, impôts, santé, emploi) ?",
        "Démarches en ligne",
        [("Jamais", 0), ("Avec l'aide d'un proche ou d'un agent", 1), ("Oui, seul(e)", 2)],
    ),
    (
        "Savez-vous créer un compte et retrouver un mot de passe ?",
        "Démarches en ligne",
        [("Non", 0), ("Avec de l'aide", 1), ("Oui, seul(e)", 2)],
    ),
    (
        "Savez-vous reconnaître un message frauduleux (faux e-mail, faux SMS) ?",
        "Sécurité",
        [("Non", 0), ("Je ne suis pas sûr(e)", 1), ("Oui", 2)],
    ),
    (
        "Savez-vous scanner ou photographier un document pour l'envoyer ?",
        "Documents",
        [("Non", 0), ("Avec de l'aide", 1), ("Oui, seul(e)", 2)],
    ),
]


#: (code, label, minimal score, cheques, service codes, hand over advised)
DEFAULT_LEVELS = [
    (
        "a-accompagner",
        "À accompagner",
        0,
        10,
        ["outils-quotidien", "demarches", "acces-materiel"],
        True,
    ),
    ("avec-guidage", "Avec guidage", 8, 6, ["demarches", "securite", "outils-quotidien"], True),
    ("autonome", "Autonome", 16, 0, ["securite"], False),
]


def questionnaire_default_create() -> Questionnaire:
    """Create (once) the default questionnaire, published and in service. Idempotent: when a
    questionnaire is already in service, it is returned unchanged."""
    current = Questionnaire.objects.filter(is_current=True).first()
    if current is not None:
        return current
    with transaction.atomic():
        version = (
            Questionnaire.objects.order_by("-version").values_list("version", flat=True).first()
            or 0
        ) + 1
        questionnaire = Questionnaire.objects.create(
            version=version,
            title="Pré-évaluation de l'autonomie numérique",
            is_published=True,
            published_at=timezone.now(),
            is_current=True,
        )
        for qpos, (text, help_text, choices) in enumerate(DEFAULT_QUESTIONS):
            question = Question.objects.create(
                questionnaire=questionnaire, position=qpos, text=text, help_text=help_text
            )
            Choice.objects.bulk_create(
                Choice(question=question, position=cpos, label=label, score=score)
                for cpos, (label, score) in enumerate(choices)
            )
        services = {s.code: s for s in Service.objects.all()}
        for code, label, min_score, cheques, service_codes, handover in DEFAULT_LEVELS:
            level = Level.objects.create(
                questionnaire=questionnaire,
                code=code,
                label=label,
                min_score=min_score,
                suggested_cheques=cheques,
                suggests_handover=handover,
            )
            level.suggested_services.set([services[c] for c in service_codes if c in services])
    return questionnaire


#: The refusal of a questionnaire change by anyone but a programme manager.
MANAGERS_ONLY = "Seul un gestionnaire du programme modifie le questionnaire."


def _draft_required(questionnaire: Questionnaire) -> None:
    if questionnaire.is_published:
        raise ValidationError(
            "Une version publiée ne change plus : créez une nouvelle version pour la modifier."
        )


def questionnaire_draft_create(*, membership, source: Questionnaire | None = None) -> Questionnaire:
    """Start a new draft version, a copy of ``source`` (default: the one in service).

    Rule: published versions are frozen, so that old answers keep their meaning; every change
    goes through a new draft, published when ready. One draft at a time."""
    require_programme_manager(membership, MANAGERS_ONLY)
    existing = Questionnaire.objects.filter(is_published=False).first()
    if existing is not None:
        return existing
    source = source or Questionnaire.objects.filter(is_current=True).first()
    with transaction.atomic():
        version = (
            Questionnaire.objects.order_by("-version").values_list("version", flat=True).first()
            or 0
        ) + 1
        draft = Questionnaire.objects.create(
            version=version,
            title=source.title if source else "Pré-évaluation de l'autonomie numérique",
            created_by=membership.user,
        )
        if source is not None:
            for q in source.questions.prefetch_related("choices"):
                new_q = Question.objects.create(
                    questionnaire=draft, position=q.position, text=q.text, help_text=q.help_text
                )
                Choice.objects.bulk_create(
                    Choice(question=new_q, position=c.position, label=c.label, score=c.score)
                    for c in q.choices.all()
                )
            for level in source.levels.prefetch_related("suggested_services"):
                services = list(level.suggested_services.all())
                new_level = Level.objects.create(
                    questionnaire=draft,
                    code=level.code,
                    label=level.label,
                    min_score=level.min_score,
                    suggested_cheques=level.suggested_cheques,
                    suggests_handover=level.suggests_handover,
                )
                new_level.suggested_services.set(services)
        journal.QUESTIONNAIRE_DRAFT_CREATED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=draft,
        )
    return draft


def question_save(
    *,
    questionnaire: Questionnaire,
    membership,
    text: str,
    help_text: str = "",
    choices: list[tuple[str, int]],
    position: int | None = None,
    question: Question | None = None,
) -> Question:
    """Add or change a question of a draft, with its answers and their points.
    Rules: drafts only; at least two answers."""
    require_programme_manager(membership, MANAGERS_ONLY)
    _draft_required(questionnaire)
    if len(choices) < 2:
        raise ValidationError({"choices": "Une question a au moins deux réponses."})
    with transaction.atomic():
        if question is None:
            if position is None:
                position = questionnaire.questions.count()
            question = Question.objects.create(
                questionnaire=questionnaire, position=position, text=text, help_text=help_text
            )
        else:
            if question.questionnaire_id != questionnaire.pk:
                raise ValidationError("Cette question n'est pas de ce questionnaire.")
            question.text, question.help_text = text, help_text
            if position is not None:
                question.position = position
            question.save()
            question.choices.all().delete()
        Choice.objects.bulk_create(
            Choice(question=question, position=i, label=label, score=score)
            for i, (label, score) in enumerate(choices)
        )
    return question


def question_delete(*, question: Question, membership) -> None:
    require_programme_manager(membership, MANAGERS_ONLY)
    _draft_required(question.questionnaire)
    question.delete()


def level_save(
    *,
    questionnaire: Questionnaire,
    membership,
    code: str,
    label: str,
    min_score: int,
    suggested_cheques: int,
    suggests_handover: bool,
    services=(),
    level: Level | None = None,
) -> Level:
    """Add or change a level (score band) of a draft. Rule: drafts only."""
    require_programme_manager(membership, MANAGERS_ONLY)
    _draft_required(questionnaire)
    with transaction.atomic():
        if level is None:
            level = Level(questionnaire=questionnaire)
        elif level.questionnaire_id != questionnaire.pk:
            raise ValidationError("Ce niveau n'est pas de ce questionnaire.")
        level.code, level.label, level.min_score = code, label, min_score
        level.suggested_cheques, level.suggests_handover = suggested_cheques, suggests_handover
        level.save()
        level.suggested_services.set(list(services))
    return level


def level_delete(*, level: Level, membership) -> None:
    require_programme_manager(membership, MANAGERS_ONLY)
    _draft_required(level.questionnaire)
    level.delete()


def questionnaire_publish(*, questionnaire: Questionnaire, membership) -> Questionnaire:
    """Publish a draft and put it in service in place of the current version.

    Rules: at least one question, every question with two answers, a level starting at the
    lowest possible score (so that every score has a level). Once published, frozen."""
    require_programme_manager(membership, MANAGERS_ONLY)
    _draft_required(questionnaire)
    questions = list(questionnaire.questions.prefetch_related("choices"))
    if not questions:
        raise ValidationError("Le questionnaire n'a aucune question.")
    if any(len(q.choices.all()) < 2 for q in questions):
        raise ValidationError("Chaque question doit avoir au moins deux réponses.")
    lowest = sum(min(c.score for c in q.choices.all()) for q in questions)
    levels = list(questionnaire.levels.all())
    if not levels or min(lv.min_score for lv in levels) > lowest:
        raise ValidationError(
            f"Il faut un niveau dont le score minimal est au plus {lowest} (le plus bas possible)."
        )
    with transaction.atomic():
        Questionnaire.objects.filter(is_current=True).update(is_current=False)
        questionnaire.is_published = True
        questionnaire.published_at = timezone.now()
        questionnaire.is_current = True
        questionnaire.save(update_fields=["is_published", "published_at", "is_current"])
        journal.QUESTIONNAIRE_PUBLISHED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=questionnaire,
        )
    return questionnaire
