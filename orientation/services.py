"""Orientation services: beneficiaries, questionnaires and assessments, referrals.

Every write lives here, with the rule it enforces in its docstring. Each change of state is
journaled; so is every read of a person's record and every export of personal data.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chequebooks.models import Cheque, Chequebook, ChequebookState
from chequebooks.services import cheque_code_matches, cheque_qr_parse, chequebook_hand_over
from passnum.audit.services import journal_record
from passnum.directory.models import mediator_is_qualified
from passnum.organisations.models import OrganisationKind
from passnum.organisations.roles import (
    MEDIATOR_ROLES,
    is_front_desk_agent,
    is_mediator_member,
    require_programme_manager,
)
from passnum.people.identity import birth_decade_for, identity_key_for, same_identity_q
from passnum.people.models import Beneficiary, BeneficiaryRef
from passnum.people.privacy import CONSENT_TEXT_VERSION
from passnum.programme.models import Service

from .models import Assessment, Choice, Level, Question, Questionnaire, Referral, ReferralState
from .selectors import beneficiaries_visible_to, beneficiary_can_be_anonymised


def _ref(beneficiary) -> BeneficiaryRef:
    """The journal's target for a person: named by number, never by name."""
    ref = BeneficiaryRef(pk=beneficiary.pk)
    ref.id = beneficiary.pk
    return ref


# --- Beneficiaries ---------------------------------------------------------------------------


@dataclass
class DuplicateCheck:
    """What the agent may learn about a person already known: that they are known, whether
    they hold a chequebook of the current vintage, and (only if this desk may see them) who."""

    known: bool = False
    visible: Beneficiary | None = None
    known_elsewhere: bool = False
    holds_current_chequebook: bool = False


def beneficiary_duplicate_check(
    *, first_name: str, last_name: str, birth_date, membership, exclude_pk=None
) -> DuplicateCheck:
    """Rule: same names and birth date (normalised) is the same person. The agent is told the
    person is known and whether they hold a chequebook of the current vintage, never which
    organisation registered them nor anything else of another organisation's record."""
    key = identity_key_for(first_name=first_name, last_name=last_name, birth_date=birth_date)
    same = Beneficiary.objects.filter(same_identity_q(key))
    if exclude_pk:
        same = same.exclude(pk=exclude_pk)
    ids = list(same.values_list("pk", flat=True))
    if not ids:
        return DuplicateCheck()
    visible = beneficiaries_visible_to(membership).filter(pk__in=ids).first()
    year = timezone.localdate().year
    holds = Chequebook.objects.filter(
        beneficiary_id__in=ids, vintage__year=year, state=ChequebookState.HANDED_OUT
    ).exists()
    return DuplicateCheck(
        known=True,
        visible=visible,
        known_elsewhere=visible is None or len(ids) > 1,
        holds_current_chequebook=holds,
    )


BENEFICIARY_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "commune",
    "outside_aveyron",
    "phone",
    "email",
    "contact_consent",
    "target_public",
)


def _beneficiary_check(*, data: dict, membership) -> None:
    if not is_front_desk_agent(membership):
        raise ValidationError("Seul un accueil de 1er niveau inscrit une personne.")
    target_public = data.get("target_public")
    if target_public is None or target_public.side != membership.organisation.side:
        raise ValidationError(
            {"target_public": "Ce public cible n'est pas l'un de ceux de votre accueil."}
        )
    if not target_public.is_active:
        raise ValidationError({"target_public": "Ce public cible n'est plus proposé."})
    if not data.get("commune") and not data.get("outside_aveyron"):
        raise ValidationError(
            {"commune": "Indiquez la commune, ou cochez « réside hors Aveyron »."}
        )
    if data.get("commune") and data.get("outside_aveyron"):
        raise ValidationError(
            {"commune": "Une commune de l'Aveyron et « hors Aveyron » ne vont pas ensemble."}
        )
    birth_date = data.get("birth_date")
    if birth_date and (birth_date > timezone.localdate() or birth_date.year < 1900):
        raise ValidationError({"birth_date": "Cette date de naissance n'est pas possible."})


def beneficiary_register(
    *, membership, consent_given: bool, confirm_known_elsewhere: bool = False, **data
) -> Beneficiary:
    """Register a person at a front desk.

    Rules: only a front desk registers; the target public is one of the desk's side; the
    commune is in Aveyron or "outside Aveyron" is ticked; the person's consent to the
    processing is recorded with its date and the information text's version. A person already
    registered here is not registered twice; one already known elsewhere is registered here
    only on the agent's confirmation, even when they already hold a chequebook of the current
    vintage (the agent is told, and may still assess and refer them): the hand-over step is
    where a second chequebook is refused (chequebooks.services.chequebook_hand_over, one per
    person and vintage whoever made the records)."""
    if not consent_given:
        raise ValidationError(
            {"consent_given": "Le consentement de la personne est nécessaire pour l'inscrire."}
        )
    _beneficiary_check(data=data, membership=membership)
    check = beneficiary_duplicate_check(
        first_name=data["first_name"],
        last_name=data["last_name"],
        birth_date=data.get("birth_date"),
        membership=membership,
    )
    if check.visible is not None:
        raise ValidationError("Cette personne est déjà inscrite par votre accueil.")
    if check.known and not confirm_known_elsewhere:
        raise ValidationError(
            {
                "confirm_known_elsewhere": "Cette personne est déjà connue du programme "
                "(inscrite par un autre accueil). Cochez la case pour l'inscrire aussi auprès "
                "de votre accueil."
            }
        )
    fields = {k: data.get(k) for k in BENEFICIARY_FIELDS}
    fields["phone"] = (fields["phone"] or "").strip()
    fields["email"] = (fields["email"] or "").strip().lower()
    fields["contact_consent"] = bool(fields["contact_consent"])
    fields["outside_aveyron"] = bool(fields["outside_aveyron"])
    with transaction.atomic():
        beneficiary = Beneficiary.objects.create(
            **fields,
            identity_key=identity_key_for(
                first_name=fields["first_name"],
                last_name=fields["last_name"],
                birth_date=fields["birth_date"],
            ),
            birth_decade=birth_decade_for(fields["birth_date"]),
            consent_at=timezone.now(),
            consent_text_version=CONSENT_TEXT_VERSION,
            registered_by_organisation=membership.organisation,
            registered_by=membership.user,
        )
        journal_record(
            action="orientation.beneficiary.registered",
            actor=membership.user,
            organisation=membership.organisation,
            target=_ref(beneficiary),
            details={"known_elsewhere": check.known},
        )
    return beneficiary


def beneficiary_update(*, beneficiary: Beneficiary, membership, **data) -> Beneficiary:
    """Correct a person's record. Same rules as registration; only a desk that sees them."""
    if not beneficiaries_visible_to(membership).filter(pk=beneficiary.pk).exists():
        raise ValidationError("Cette personne n'est pas suivie par votre accueil.")
    if beneficiary.anonymised_at:
        raise ValidationError("Cette personne a été anonymisée.")
    _beneficiary_check(data=data, membership=membership)
    changed = []
    for key in BENEFICIARY_FIELDS:
        if key in data and getattr(beneficiary, key) != data[key]:
            setattr(beneficiary, key, data[key])
            changed.append(key)
    beneficiary.identity_key = identity_key_for(
        first_name=beneficiary.first_name,
        last_name=beneficiary.last_name,
        birth_date=beneficiary.birth_date,
    )
    beneficiary.birth_decade = birth_decade_for(beneficiary.birth_date)
    beneficiary.last_activity_at = timezone.now()
    with transaction.atomic():
        beneficiary.save()
        journal_record(
            action="orientation.beneficiary.updated",
            actor=membership.user,
            organisation=membership.organisation,
            target=_ref(beneficiary),
            details={"fields": ", ".join(changed) or "aucun"},
        )
    return beneficiary


def beneficiary_touch(*, beneficiary: Beneficiary) -> None:
    """Any activity (assessment, hand-over, referral) restarts the retention period."""
    Beneficiary.objects.filter(pk=beneficiary.pk).update(last_activity_at=timezone.now())


def beneficiary_record_viewed(*, beneficiary: Beneficiary, membership) -> None:
    """Rule: every view of a person's record is journaled, with who and for which desk."""
    journal_record(
        action="orientation.beneficiary.viewed",
        actor=membership.user,
        organisation=membership.organisation,
        target=_ref(beneficiary),
    )


def beneficiary_export(*, beneficiary: Beneficiary, membership, format: str = "json") -> dict:
    """A person's data (right of access), as a dict ready for JSON or the PDF. Journaled."""
    if not beneficiaries_visible_to(membership).filter(pk=beneficiary.pk).exists():
        raise ValidationError("Cette personne n'est pas suivie par votre accueil.")
    b = beneficiary
    data = {
        "personne": {
            "numero": b.pk,
            "prenom": b.first_name,
            "nom": b.last_name,
            "date_de_naissance": b.birth_date.isoformat() if b.birth_date else None,
            "commune": b.commune.name if b.commune_id else None,
            "hors_aveyron": b.outside_aveyron,
            "telephone": b.phone,
            "email": b.email,
            "accepte_les_rappels": b.contact_consent,
            "public_cible": b.target_public.label,
            "consentement_le": b.consent_at.isoformat(),
            "version_information": b.consent_text_version,
            "inscrite_par": b.registered_by_organisation.name,
            "inscrite_le": b.created_at.isoformat(),
            "anonymisee_le": b.anonymised_at.isoformat() if b.anonymised_at else None,
        },
        "pre_evaluations": [
            {
                "date": a.created_at.isoformat(),
                "questionnaire": str(a.questionnaire),
                "reponses": a.answers,
                "score": a.score,
                "niveau": a.level_label,
                "services_suggeres": a.suggested_services,
                "cheques_suggeres": a.suggested_cheques,
                "cheque_remis": a.handover_decision,
                "motif_de_non_remise": a.no_handover_reason,
            }
            for a in b.assessments.select_related("questionnaire").order_by("created_at")
        ],
        "chequiers": [
            {
                "numero": c.number,
                "millesime": c.vintage.year,
                "valable_jusqu_au": c.vintage.valid_until.isoformat(),
                "remis_le": c.handed_out_at.isoformat() if c.handed_out_at else None,
                "etat": c.get_state_display(),
            }
            for c in b.chequebooks.select_related("vintage").order_by("number")
        ],
        "orientations": [
            {
                "date": r.created_at.isoformat(),
                "lieu": r.place.name,
                "mediateur": r.mediator.name,
                "etat": r.get_state_display(),
                "motif_du_refus": r.decline_reason,
            }
            for r in b.referrals.select_related("place", "mediator").order_by("created_at")
        ],
    }
    journal_record(
        action="orientation.beneficiary.exported",
        actor=membership.user,
        organisation=membership.organisation,
        target=_ref(beneficiary),
        details={"format": format.upper()},
    )
    return data


def beneficiary_anonymise(
    *, beneficiary: Beneficiary, membership=None, reason: str = ""
) -> Beneficiary:
    """Anonymise a person: names, birth date, phone and e-mail are blanked, the identity key
    too; the commune, the target public and the decade of birth stay, so figures stay right.

    Rules: on request, by a programme manager or the desk that registered the person; or by
    the system (``membership`` None) when the retention period has passed. Irreversible."""
    if membership is not None and not beneficiary_can_be_anonymised(beneficiary, membership):
        raise ValidationError(
            "Seuls le gestionnaire du programme et l'accueil qui a inscrit la personne "
            "peuvent l'anonymiser."
        )
    with transaction.atomic():
        beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if beneficiary.anonymised_at:
            return beneficiary
        if not beneficiary.birth_decade:
            beneficiary.birth_decade = birth_decade_for(beneficiary.birth_date)
        beneficiary.first_name = ""
        beneficiary.last_name = ""
        beneficiary.birth_date = None
        beneficiary.phone = ""
        beneficiary.email = ""
        beneficiary.contact_consent = False
        beneficiary.identity_key = ""
        beneficiary.anonymised_at = timezone.now()
        beneficiary.save()
        journal_record(
            action="orientation.beneficiary.anonymised",
            actor=membership.user if membership else None,
            organisation=membership.organisation if membership else None,
            target=_ref(beneficiary),
            details={"reason": reason or ("demande" if membership else "durée de conservation")},
        )
    return beneficiary


def beneficiaries_purge(*, now=None) -> int:
    """Anonymise the people past retention (``Beneficiary.objects.past_retention``: the rule
    is the person's). Idempotent."""
    count = 0
    for beneficiary in Beneficiary.objects.past_retention(now).only("pk"):
        beneficiary_anonymise(beneficiary=beneficiary, reason="durée de conservation")
        count += 1
    return count


# --- Questionnaires and assessments ----------------------------------------------------------

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
        journal_record(
            action="orientation.questionnaire.draft_created",
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
        journal_record(
            action="orientation.questionnaire.published",
            actor=membership.user,
            organisation=membership.organisation,
            target=questionnaire,
        )
    return questionnaire


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
    assessment made moments before (not yet used by a referral); it is updated in place, and
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
            and replaces.assessed_by_organisation_id == membership.organisation_id
            and replaces.created_at.date() == timezone.now().date()
            and not replaces.referrals.exists()
        ):
            for key, value in fields.items():
                setattr(replaces, key, value)
            replaces.save()
            assessment, action = replaces, "orientation.assessment.corrected"
        else:
            assessment = Assessment.objects.create(
                beneficiary=beneficiary,
                assessed_by=membership.user,
                assessed_by_organisation=membership.organisation,
                **fields,
            )
            action = "orientation.assessment.recorded"
        beneficiary_touch(beneficiary=beneficiary)
        journal_record(
            action=action,
            actor=membership.user,
            organisation=membership.organisation,
            target=_ref(beneficiary),
            details={"level": level.label, "score": score},
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
        journal_record(
            action="orientation.assessment.no_handover",
            actor=membership.user,
            organisation=membership.organisation,
            target=_ref(assessment.beneficiary),
            details={"reason": reason},
        )
    return assessment


def chequebook_from_scan(*, text, membership):
    """The chequebook of this front desk that what the agent typed or scanned designates: a
    chequebook number, a cheque number, or a cheque's QR code ("PASSNUM:<number>:<code>", the
    one printed on every cheque; its code must then match). None when nothing matches."""
    text = str(text or "").strip()
    held = Chequebook.objects.filter(holder=membership.organisation)
    if ":" in text or ";" in text:
        number, code = cheque_qr_parse(text)
        cheque = Cheque.objects.filter(number=number, chequebook__in=held).first()
        if cheque is None or not cheque_code_matches(cheque=cheque, code=code):
            return None
        return cheque.chequebook
    number = text.replace(" ", "")
    if not number.isdigit():
        return None
    chequebook = held.filter(number=int(number)).first()
    if chequebook is None:
        cheque = Cheque.objects.filter(number=int(number), chequebook__in=held).first()
        chequebook = cheque.chequebook if cheque else None
    return chequebook


def beneficiary_hand_over(*, beneficiary: Beneficiary, chequebook_number, membership):
    """Hand over the chequebook whose number (or one of whose cheques' QR code) the agent
    scanned or typed, through the chequebooks app's service (which holds the rules: held by
    this desk, one per vintage, side's envelope...). Marks the latest assessment of this desk
    as "handed over"."""
    if not beneficiaries_visible_to(membership).filter(pk=beneficiary.pk).exists():
        raise ValidationError("Cette personne n'est pas suivie par votre accueil.")
    try:
        chequebook = chequebook_from_scan(text=chequebook_number, membership=membership)
    except ValidationError as error:
        raise ValidationError({"chequebook_number": error.messages}) from error
    if chequebook is None:
        raise ValidationError(
            {"chequebook_number": "Aucun chéquier de ce numéro n'est détenu par votre accueil."}
        )
    with transaction.atomic():
        chequebook = chequebook_hand_over(
            chequebook=chequebook, beneficiary=beneficiary, membership=membership
        )
        Assessment.objects.filter(
            pk__in=beneficiary.assessments.filter(
                assessed_by_organisation=membership.organisation
            ).values("pk")[:1]
        ).update(handover_decision=True, no_handover_reason="")
        beneficiary_touch(beneficiary=beneficiary)
    return chequebook


# --- Referrals -------------------------------------------------------------------------------

#: The allowed changes of state of a referral, written once.
REFERRAL_TRANSITIONS: dict[str, set[str]] = {
    ReferralState.PROPOSED: {ReferralState.ACCEPTED, ReferralState.DECLINED, ReferralState.LAPSED},
    ReferralState.ACCEPTED: {ReferralState.FIRST_SESSION, ReferralState.LAPSED},
    ReferralState.FIRST_SESSION: {ReferralState.COMPLETED},
    ReferralState.DECLINED: set(),
    ReferralState.COMPLETED: set(),
    ReferralState.LAPSED: set(),
}

_ACTIONS = {
    ReferralState.ACCEPTED: "orientation.referral.accepted",
    ReferralState.DECLINED: "orientation.referral.declined",
    ReferralState.FIRST_SESSION: "orientation.referral.first_session",
    ReferralState.COMPLETED: "orientation.referral.completed",
    ReferralState.LAPSED: "orientation.referral.lapsed",
}


class ReferralTransitionError(ValidationError):
    """A change of state the referral lifecycle does not allow."""


def referral_transition_check(from_state: str, to_state: str) -> None:
    if to_state not in REFERRAL_TRANSITIONS.get(from_state, set()):
        raise ReferralTransitionError(
            f"Une orientation « {ReferralState(from_state).label} » ne peut pas passer à "
            f"« {ReferralState(to_state).label} »."
        )


def _referral_move(
    *, referral: Referral, to_state: str, membership, details=None, **fields
) -> Referral:
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        referral_transition_check(locked.state, to_state)
        now = timezone.now()
        locked.state = to_state
        locked.state_changed_at = now
        for key, value in fields.items():
            setattr(locked, key, value)
        if to_state == ReferralState.ACCEPTED:
            locked.accepted_at = now
        locked.save()
        journal_record(
            action=_ACTIONS[to_state],
            actor=membership.user if membership else None,
            organisation=membership.organisation if membership else None,
            target=locked,
            details=details or {},
        )
    referral.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return referral


def _mediator_of(referral: Referral, membership) -> None:
    if not is_mediator_member(membership) or membership.organisation_id != referral.mediator_id:
        raise ValidationError("Cette orientation n'est pas adressée à votre structure.")


def referral_create(
    *,
    beneficiary: Beneficiary,
    place,
    membership,
    assessment: Assessment | None = None,
    chequebook=None,
) -> Referral:
    """Refer a person to a mediation place.

    Rules: by a front desk that sees the person; the place is active and its organisation an
    active mediator, qualified (``mediator_is_qualified``: without a profile it is not); a
    person has at most one open referral (proposed or accepted) to the same mediator. The
    mediator is told by e-mail, queued once the referral is saved."""
    if not is_front_desk_agent(membership):
        raise ValidationError("Seul un accueil de 1er niveau oriente une personne.")
    if not beneficiaries_visible_to(membership).filter(pk=beneficiary.pk).exists():
        raise ValidationError("Cette personne n'est pas suivie par votre accueil.")
    if beneficiary.anonymised_at:
        raise ValidationError("Cette personne a été anonymisée.")
    mediator = place.organisation
    if not place.is_active or not mediator.is_active or mediator.kind != OrganisationKind.MEDIATOR:
        raise ValidationError({"place": "Ce lieu de médiation n'accueille plus de public."})
    if not mediator_is_qualified(mediator):
        raise ValidationError({"place": "Ce médiateur n'est pas qualifié pour le Pass numérique."})
    if Referral.objects.filter(beneficiary=beneficiary, mediator=mediator).open().exists():
        raise ValidationError(
            {"place": "Cette personne est déjà orientée vers ce médiateur (orientation en cours)."}
        )
    if assessment is None:
        assessment = beneficiary.assessments.order_by("-created_at").first()
    if chequebook is None:
        chequebook = (
            beneficiary.chequebooks.filter(state=ChequebookState.HANDED_OUT)
            .order_by("-handed_out_at")
            .first()
        )
    with transaction.atomic():
        referral = Referral.objects.create(
            beneficiary=beneficiary,
            place=place,
            mediator=mediator,
            from_organisation=membership.organisation,
            created_by=membership.user,
            assessment=assessment,
            chequebook=chequebook,
        )
        beneficiary_touch(beneficiary=beneficiary)
        journal_record(
            action="orientation.referral.created",
            actor=membership.user,
            organisation=membership.organisation,
            target=referral,
            details={"place": place.name, "mediator": mediator.name},
        )
        from .tasks import referral_notify

        transaction.on_commit(lambda: referral_notify.delay(referral.pk))
    return referral


def referral_notify_mediator(*, referral: Referral) -> int:
    """E-mail the mediator that a referral waits for an answer. No personal data in the
    e-mail: the mediator reads it in the application, through an absolute link built on
    PASSNUM_SITE_URL (the e-mail is sent by Celery, outside any request)."""
    recipients = {
        m.user.email
        for m in referral.mediator.memberships.filter(
            is_active=True, role__in=MEDIATOR_ROLES
        ).select_related("user")
    }
    if referral.place.email:
        recipients.add(referral.place.email)
    if not recipients:
        return 0
    return send_mail(
        subject="Pass numérique : une nouvelle orientation vous attend",
        message=(
            f"Bonjour,\n\n{referral.from_organisation.name} vous oriente une personne pour le "
            f"lieu « {referral.place.name} ».\nAcceptez ou refusez cette orientation depuis votre "
            f"boîte de réception : {settings.PASSNUM_SITE_URL}{reverse('orientation:inbox')}"
            "\n\nPass numérique Aveyron"
        ),
        from_email=None,
        recipient_list=sorted(recipients),
    )


def referral_accept(*, referral: Referral, membership) -> Referral:
    """The mediator accepts a proposed referral. Rule: only the mediator it is addressed to."""
    _mediator_of(referral, membership)
    return _referral_move(referral=referral, to_state=ReferralState.ACCEPTED, membership=membership)


def referral_decline(*, referral: Referral, membership, reason: str) -> Referral:
    """The mediator declines a proposed referral. Rules: only the mediator it is addressed to,
    with a written reason (the front desk sees it and refers elsewhere)."""
    _mediator_of(referral, membership)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif du refus."})
    return _referral_move(
        referral=referral,
        to_state=ReferralState.DECLINED,
        membership=membership,
        details={"reason": reason},
        decline_reason=reason[:255],
    )


def referral_first_session_held(*, referral: Referral, membership) -> Referral:
    """The mediator held a first session with the person (called by mediation when an activity
    answers the referral).

    Rules: only the mediator it is addressed to. A referral still "proposed" is first
    accepted (holding a session is accepting it), both steps journaled. Calling it again once
    the first session is recorded (or the referral completed) changes nothing, since every
    later activity answers the same referral. Declined or lapsed referrals refuse."""
    _mediator_of(referral, membership)
    referral.refresh_from_db(fields=["state"])
    if referral.state in (ReferralState.FIRST_SESSION, ReferralState.COMPLETED):
        return referral
    if referral.state == ReferralState.PROPOSED:
        _referral_move(referral=referral, to_state=ReferralState.ACCEPTED, membership=membership)
    return _referral_move(
        referral=referral, to_state=ReferralState.FIRST_SESSION, membership=membership
    )


def referral_complete(*, referral: Referral, membership) -> Referral:
    """The mediator closes the support after the first session. Rule: only its mediator."""
    _mediator_of(referral, membership)
    return _referral_move(
        referral=referral, to_state=ReferralState.COMPLETED, membership=membership
    )


def referral_lapse(*, referral: Referral, membership=None, reason: str = "") -> Referral:
    """Mark a referral lapsed ("sans suite"): by the system (``membership`` None) or by the
    front desk that made it or the mediator it is addressed to. Allowed from proposed or
    accepted only."""
    if membership is not None and membership.organisation_id not in (
        referral.from_organisation_id,
        referral.mediator_id,
    ):
        raise ValidationError("Cette orientation n'est pas de votre structure.")
    return _referral_move(
        referral=referral,
        to_state=ReferralState.LAPSED,
        membership=membership,
        details={"reason": reason or "sans réponse"},
    )


def referrals_lapse_overdue(*, now=None) -> int:
    """Rule (run daily by Celery beat): a referral still proposed PASSNUM_REFERRAL_LAPSE_DAYS
    (default 60) days after it was made, or accepted but without a first session
    PASSNUM_REFERRAL_LAPSE_ACCEPTED_DAYS (default 90) days after its acceptance, lapses
    ("sans suite"), journaled as done by the system. Why 60: the follow-up shows at 14 days,
    which leaves the front desk six weeks to call the mediator or refer elsewhere. Idempotent."""
    now = now or timezone.now()
    proposed_days = settings.PASSNUM_REFERRAL_LAPSE_DAYS
    accepted_days = settings.PASSNUM_REFERRAL_LAPSE_ACCEPTED_DAYS
    proposed_limit = now - timedelta(days=proposed_days)
    accepted_limit = now - timedelta(days=accepted_days)
    count = 0
    for referral in Referral.objects.filter(
        state=ReferralState.PROPOSED, created_at__lt=proposed_limit
    ):
        referral_lapse(referral=referral, reason=f"non acceptée en {proposed_days} jours")
        count += 1
    for referral in Referral.objects.filter(
        state=ReferralState.ACCEPTED, accepted_at__lt=accepted_limit
    ):
        referral_lapse(
            referral=referral,
            reason=f"aucune première séance en {accepted_days} jours",
        )
        count += 1
    return count


def referral_sheet_printed(*, referral: Referral, membership) -> None:
    journal_record(
        action="orientation.referral.sheet_printed",
        actor=membership.user,
        organisation=membership.organisation,
        target=referral,
    )
