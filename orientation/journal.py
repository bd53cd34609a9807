from passnum.audit.sentences import register

register(
    {
        "orientation.beneficiary.registered": "{actor} a inscrit {target}",
        "orientation.beneficiary.updated": "{actor} a modifié la fiche de {target} ({fields})",
        "orientation.beneficiary.viewed": "{actor} a consulté la fiche de {target}",
        "orientation.beneficiary.exported": "{actor} a exporté les données de {target} ({format})",
        "orientation.beneficiary.anonymised": "{actor} a anonymisé {target} ({reason})",
        "orientation.assessment.recorded": (
            "{actor} a fait la pré-évaluation de {target} : {level} ({score} points)"
        ),
        "orientation.assessment.corrected": (
            "{actor} a corrigé la pré-évaluation de {target} : {level} ({score} points)"
        ),
        "orientation.assessment.no_handover": (
            "{actor} n'a pas remis de chéquier à {target} : {reason}"
        ),
        "orientation.questionnaire.draft_created": "{actor} a créé le brouillon {target}",
        "orientation.questionnaire.published": "{actor} a publié {target}",
        "orientation.referral.created": "{actor} a orienté vers {place} ({mediator}) : {target}",
        "orientation.referral.accepted": "{actor} a accepté {target}",
        "orientation.referral.declined": "{actor} a refusé {target} : {reason}",
        "orientation.referral.first_session": "{actor} a tenu la première séance de {target}",
        "orientation.referral.completed": "{actor} a terminé {target}",
        "orientation.referral.lapsed": "{actor} a classé {target} sans suite ({reason})",
        "orientation.referral.sheet_printed": "{actor} a imprimé la fiche de {target}",
    }
)
