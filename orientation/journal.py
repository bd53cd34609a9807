"""Orientation's journal events: one per action, its code, French sentence and details.

Services record them (``journal.BENEFICIARY_REGISTERED.record(actor=..., target=..., ...)``);
no action code is written anywhere else. A person is journaled by number only
(``BeneficiaryRef.of``), so the append-only journal never keeps a name after anonymisation.
Imported by ``OrientationConfig.ready``."""

from passnum.audit.events import event

# --- People -----------------------------------------------------------------------------------

BENEFICIARY_REGISTERED = event(
    "orientation.beneficiary.registered",
    "{actor} a inscrit la {target}",
    details=("known_elsewhere",),
)
BENEFICIARY_UPDATED = event(
    "orientation.beneficiary.updated",
    "{actor} a modifié la fiche de la {target} ({fields})",
    details=("fields",),
)
BENEFICIARY_VIEWED = event(
    "orientation.beneficiary.viewed", "{actor} a consulté la fiche de la {target}"
)
BENEFICIARY_EXPORTED = event(
    "orientation.beneficiary.exported",
    "{actor} a exporté les données de la {target} ({format})",
    details=("format",),
)
BENEFICIARY_ANONYMISED = event(
    "orientation.beneficiary.anonymised",
    "{actor} a anonymisé la {target} ({reason})",
    details=("reason",),
)

# --- Assessments and questionnaires -----------------------------------------------------------

ASSESSMENT_RECORDED = event(
    "orientation.assessment.recorded",
    "{actor} a fait la pré-évaluation de la {target} : {level} ({score:point|points})",
    details=("level", "score"),
)
ASSESSMENT_CORRECTED = event(
    "orientation.assessment.corrected",
    "{actor} a corrigé la pré-évaluation de la {target} : {level} ({score:point|points})",
    details=("level", "score"),
)
ASSESSMENT_NO_HANDOVER = event(
    "orientation.assessment.no_handover",
    "{actor} n'a pas remis de chéquier à la {target} : {reason}",
    details=("reason",),
)
QUESTIONNAIRE_DRAFT_CREATED = event(
    "orientation.questionnaire.draft_created",
    "{actor} a créé le brouillon du questionnaire « {target} »",
)
QUESTIONNAIRE_PUBLISHED = event(
    "orientation.questionnaire.published", "{actor} a publié le questionnaire « {target} »"
)

# --- Referrals --------------------------------------------------------------------------------

REFERRAL_CREATED = event(
    "orientation.referral.created",
    "{actor} a créé l'{target} vers {place} ({mediator})",
    details=("place", "mediator"),
)
REFERRAL_ACCEPTED = event("orientation.referral.accepted", "{actor} a accepté l'{target}")
REFERRAL_DECLINED = event(
    "orientation.referral.declined", "{actor} a refusé l'{target} : {reason}", details=("reason",)
)
REFERRAL_FIRST_SESSION = event(
    "orientation.referral.first_session", "{actor} a tenu la première séance de l'{target}"
)
REFERRAL_COMPLETED = event("orientation.referral.completed", "{actor} a terminé l'{target}")
REFERRAL_LAPSED = event(
    "orientation.referral.lapsed",
    "{actor} a classé l'{target} sans suite ({reason})",
    details=("reason",),
)
REFERRAL_SHEET_PRINTED = event(
    "orientation.referral.sheet_printed", "{actor} a imprimé la fiche de l'{target}"
)

# --- Appointments -----------------------------------------------------------------------------

APPOINTMENT_BOOKED = event(
    "orientation.appointment.booked",
    "{actor} a réservé le {target} du {when} ({place})",
    details=("when", "place"),
)
APPOINTMENT_REBOOKED = event(
    "orientation.appointment.rebooked",
    "{actor} a remplacé le {target} par un rendez-vous le {when}",
    details=("when",),
)
APPOINTMENT_HELD = event("orientation.appointment.held", "{actor} a noté le {target} comme honoré")
APPOINTMENT_MISSED = event(
    "orientation.appointment.missed", "{actor} a noté le {target} comme manqué"
)

# --- Reminders to the person (their text is never journaled) -----------------------------------

REMINDER_SENT = event(
    "orientation.reminder.sent",
    "Rappel envoyé à la {target} ({kind}, {channel})",
    details=("kind", "channel"),
)
REMINDER_ASKED = event(
    "orientation.reminder.asked",
    "{actor} a demandé un rappel à la personne pour le {target}",
)
