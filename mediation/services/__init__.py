"""Mediation services: every write on agreements, redemptions, activities and statements, one
module per concern; each docstring states the rule it enforces. (The mediators' profile,
qualification and places are the directory's: passnum.directory.services.)

The public names are re-exported here, so ``from mediation import services`` keeps working;
each is defined in exactly one submodule."""

from .accounting import (
    ACCOUNTING_COLUMNS,
    AccountingExport,
    statements_accounting_csv,
    statements_held_from_accounting,
)
from .activities import (
    ACTIVITY_MINUTES_MAX,
    ACTIVITY_MINUTES_MIN,
    activity_date_cheques_error,
    activity_duration_error,
    activity_errors,
    activity_record,
    referral_refusal,
)
from .agreements import (
    agreement_activate,
    agreement_create,
    agreement_next_steps,
    agreement_render,
    agreement_terminate,
)
from .attempts import (
    WRONG_CODE_LIMIT,
    WRONG_CODE_ORGANISATION_LIMIT,
    WRONG_CODE_WINDOW,
    WrongCodeBudget,
    attempts_record,
    code_digest,
    redemption_wrong_codes_recent,
    wrong_code_budget,
)
from .cheque_check import ChequeCheck, cheque_check
from .progress import activity_progress_record
from .redemption import (
    MAX_LINES,
    ChequeAnswer,
    ChequeLine,
    RedemptionResult,
    redemption_submit,
)
from .redemption_rules import Reason, mediator_redemption_refusal
from .statements import (
    StatementsRun,
    statement_iban_mismatch,
    statement_issue,
    statement_next_step,
    statement_pay,
    statement_send,
    statement_validate,
    statements_issue_for_month,
    statements_issue_previous_month,
)

__all__ = [
    "activity_progress_record",
    "ChequeCheck",
    "cheque_check",
    "agreement_next_steps",
    "statement_next_step",
    "ACCOUNTING_COLUMNS",
    "ACTIVITY_MINUTES_MAX",
    "ACTIVITY_MINUTES_MIN",
    "MAX_LINES",
    "WRONG_CODE_LIMIT",
    "WRONG_CODE_ORGANISATION_LIMIT",
    "WRONG_CODE_WINDOW",
    "WrongCodeBudget",
    "activity_date_cheques_error",
    "attempts_record",
    "code_digest",
    "wrong_code_budget",
    "AccountingExport",
    "ChequeAnswer",
    "ChequeLine",
    "Reason",
    "RedemptionResult",
    "StatementsRun",
    "activity_duration_error",
    "activity_errors",
    "activity_record",
    "agreement_activate",
    "agreement_create",
    "agreement_render",
    "agreement_terminate",
    "mediator_redemption_refusal",
    "redemption_submit",
    "redemption_wrong_codes_recent",
    "referral_refusal",
    "statement_iban_mismatch",
    "statement_issue",
    "statement_pay",
    "statement_send",
    "statement_validate",
    "statements_accounting_csv",
    "statements_held_from_accounting",
    "statements_issue_for_month",
    "statements_issue_previous_month",
]
