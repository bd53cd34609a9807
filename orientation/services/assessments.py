"""A person's (re-)assessment with the questionnaire in service, its gain, and the decision not to
hand over a chequebook."""

from django.core.exceptions import ValidationError
from django.db import transaction

from passnum.organisations.roles import (
    is_front_desk_agent,
    is_mediator_member,
)
from passnum.people.models import Beneficiary, BeneficiaryRef
from passnum.people.privacy import beneficiary_touch

from .. import journal
from ..models import Assessment, Level, Questionnaire
from ..selectors import assessment_can_be_corrected, beneficiaries_visible_to


def _level_for(levels: list[Level], score: int) -> Level:
    eligible = [lv for lv in levels if lv.min_score <= score]
    if not eligible:
        return min(levels, key=lambda lv: lv.min_score)
    return max(eligible, key=lambda lv: lv.min_score)


def assessment_record(
    *,
    beneficiary: Beneficiary,
    membership,
    answers: dict,
    questionnaire: Questionnaire | None = None,
    replaces: Assessment | None = None,
) -> Assessment:
    """Record a (re-)assessment: ``answers`` maps each question's id to a choice id.

    Rules: by a front desk that sees the person or by a mediator the person was referred to;
    every question answered; the questionnaire must be published. The answers' texts, the
    score, the level and its suggestions are copied in, so that they keep their meaning when
    the questionnaire changes. ``replaces``: the agent corrects, during the same visit, the
    assessment made moments before (``assessment_can_be_corrected``: same organisation, same
    day in Europe/Paris, not yet used by a referral); it is updated in place, and
    correcting the answers never undoes what step 3 decided: a chequebook handed over stays
    recorded as handed over, a recorded no-hand-over keeps its reason (step 3 shows it, and a
    chequebook can still be handed over from there)."""
    if not (is_front_desk_agent(membership) or is_mediator_member(membership)):
        raise ValidationError("Seuls un accueil ou un médiateur évaluent une personne.")
    if not beneficiaries_visible_to(membership).filter(pk=beneficiary.pk).exists():
        raise ValidationError("Cette personne n'est pas suivie par votre structure.")
    questionnaire = questionnaire or Questionnaire.objects.filter(is_current=True).first()
    if questionnaire is None or not questionnaire.is_published:
        raise ValidationError("Aucun questionnaire publié n'est en service.")
    questions = list(questionnaire.questions.prefetch_related("choices"))
    copied, score = [], 0
    for question in questions:
        choice_id = answers.get(question.pk) or answers.get(str(question.pk))
        choice = next((c for c in question.choices.all() if str(c.pk) == str(choice_id)), None)
        if choice is None:
            raise ValidationError(f"Répondez à la question « {question.text} ».")
        copied.append(
            {
                "question": question.text,
                "answer": choice.label,
                "score": choice.score,
                "choice_id": choice.pk,
            }
        )
        score += choice.score
    level = _level_for(list(questionnaire.levels.prefetch_related("suggested_services")), score)
    fields = {
        "questionnaire": questionnaire,
        "answers": copied,
        "score": score,
        "level_code": level.code,
        "level_label": level.label,
        "suggested_cheques": level.suggested_cheques,
        "suggested_services": [s.label for s in level.suggested_services.all()],
        "handover_suggested": level.suggests_handover,
    }
    with transaction.atomic():
        if (
            replaces is not None
            and replaces.beneficiary_id == beneficiary.pk
            and assessment_can_be_corrected(replaces, membership)
        ):
            for key, value in fields.items():
                setattr(replaces, key, value)
            replaces.save()
            assessment, recorded = replaces, journal.ASSESSMENT_CORRECTED
        else:
            assessment = Assessment.objects.create(
                beneficiary=beneficiary,
                assessed_by=membership.user,
                assessed_by_organisation=membership.organisation,
                **fields,
            )
            recorded = journal.ASSESSMENT_RECORDED
        beneficiary_touch(beneficiary=beneficiary)
        recorded.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=BeneficiaryRef.of(beneficiary),
            level=level.label,
            score=score,
        )
    return assessment


def assessment_gain(*, beneficiary: Beneficiary) -> dict | None:
    """The change of score between the first and the latest assessment (same scale only)."""
    assessments = list(beneficiary.assessments.order_by("created_at"))
    if len(assessments) < 2:
        return None
    first, last = assessments[0], assessments[-1]
    return {
        "first": first,
        "last": last,
        "gain": last.score - first.score,
        "comparable": first.questionnaire_id == last.questionnaire_id,
    }


def assessment_no_handover(*, assessment: Assessment, membership, reason: str) -> Assessment:
    """Record that no chequebook is handed over after this assessment.

    Rules: only for a level where hand-over is not advised (an autonomous person), by the
    front desk that assessed, with a written reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez pourquoi aucun chéquier n'est remis."})
    if assessment.handover_suggested:
        raise ValidationError(
            "Pour ce niveau, la remise d'un chéquier est conseillée : elle ne peut être écartée "
            "que pour une personne autonome."
        )
    if assessment.assessed_by_organisation_id != membership.organisation_id:
        raise ValidationError("Cette pré-évaluation n'a pas été faite par votre accueil.")
    with transaction.atomic():
        assessment.handover_decision = False
        assessment.no_handover_reason = reason
        assessment.save(update_fields=["handover_decision", "no_handover_reason"])
        journal.ASSESSMENT_NO_HANDOVER.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=BeneficiaryRef.of(assessment.beneficiary),
            reason=reason,
        )
    return assessment
