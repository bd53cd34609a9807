"""Orientation services: every write, with the rule it enforces in its docstring, one module
per concern. Each change of state is journaled; so is every read of a person's record and every
export of personal data. The public names are re-exported here (``services.referral_create``)."""

from .appointments import (
    appointment_book,
    appointment_held,
    appointment_missed,
    appointment_rebook,
    appointment_when,
    referral_create_with_appointment,
)
from .assessments import (
    assessment_gain,
    assessment_no_handover,
    assessment_record,
)
from .handover import (
    beneficiary_hand_over,
)
from .people import (
    BENEFICIARY_FIELDS,
    DuplicateCheck,
    beneficiary_duplicate_check,
    beneficiary_record_viewed,
    beneficiary_register,
    beneficiary_update,
)
from .privacy import (
    beneficiaries_purge,
    beneficiary_anonymise,
    beneficiary_export,
)
from .questionnaires import (
    DEFAULT_LEVELS,
    DEFAULT_QUESTIONS,
    level_delete,
    level_save,
    question_delete,
    question_save,
    questionnaire_default_create,
    questionnaire_draft_create,
    questionnaire_publish,
)
from .referrals import (
    referral_accept,
    referral_complete,
    referral_create,
    referral_decline,
    referral_first_session_held,
    referral_lapse,
    referral_notify_mediator,
    referral_sheet_printed,
    referrals_lapse_overdue,
)
from .reminders import (
    appointment_remind_person,
    reminder_may_reach,
    reminder_send,
    reminder_text,
    reminders_due,
    reminders_send_due,
)

__all__ = [
    "appointment_remind_person",
    "reminder_may_reach",
    "reminder_send",
    "reminder_text",
    "reminders_due",
    "reminders_send_due",
    "appointment_book",
    "appointment_held",
    "appointment_missed",
    "appointment_rebook",
    "appointment_when",
    "referral_create_with_appointment",
    "DuplicateCheck",
    "beneficiary_duplicate_check",
    "BENEFICIARY_FIELDS",
    "beneficiary_register",
    "beneficiary_update",
    "beneficiary_record_viewed",
    "beneficiary_export",
    "beneficiary_anonymise",
    "beneficiaries_purge",
    "DEFAULT_QUESTIONS",
    "DEFAULT_LEVELS",
    "questionnaire_default_create",
    "questionnaire_draft_create",
    "question_save",
    "question_delete",
    "level_save",
    "level_delete",
    "questionnaire_publish",
    "assessment_record",
    "assessment_gain",
    "assessment_no_handover",
    "beneficiary_hand_over",
    "referral_create",
    "referral_notify_mediator",
    "referral_accept",
    "referral_decline",
    "referral_first_session_held",
    "referral_complete",
    "referral_lapse",
    "referrals_lapse_overdue",
    "referral_sheet_printed",
]
