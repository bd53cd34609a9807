"""Mediation's journal events: one per action, with its code, French sentence and details.
(The mediators' profile, qualification and places are the directory's:
passnum/directory/journal.py.)"""

# ruff: noqa: E501  (sentences read better on one line)
from passnum.audit.events import event

AGREEMENT_CREATED = event(
    "mediation.agreement.created",
    "{actor} a préparé la {target} ({start} – {end})",
    details=("mediator", "start", "end"),
)
AGREEMENT_ACTIVATED = event(
    "mediation.agreement.activated",
    "{actor} a mis en vigueur la {target}, signée le {signed}",
    details=("signed",),
)
AGREEMENT_TERMINATED = event(
    "mediation.agreement.terminated",
    "{actor} a résilié la {target} (motif : {reason})",
    details=("reason",),
)
CHEQUE_REDEEMED = event(
    "mediation.cheque.redeemed",
    "{actor} a encaissé le {target} ({activity})",
    details=("activity",),
)
ACTIVITY_RECORDED = event(
    "mediation.activity.recorded", "{actor} a enregistré une activité : {kind}", details=("kind",)
)
STATEMENT_ISSUED = event(
    "mediation.statement.issued",
    "{actor} a émis le {target} ({count:chèque|chèques}, {period})",
    details=("mediator", "count", "period"),
)
STATEMENT_VALIDATED = event("mediation.statement.validated", "{actor} a validé le {target}")
STATEMENT_SENT = event("mediation.statement.sent", "{actor} a envoyé le {target} en paiement")
STATEMENT_PAID = event(
    "mediation.statement.paid",
    "{actor} a enregistré le paiement du {target} (référence {reference})",
    details=("reference",),
)
STATEMENTS_EXPORTED = event(
    "mediation.statements.exported",
    "{actor} a exporté {count:relevé validé|relevés validés} (avec IBAN)",
    details=("count", "held"),
)
MEDIATORS_EXPORTED = event(
    "mediation.mediators.exported",
    "{actor} a exporté la liste des médiateurs ({format})",
    details=("format",),
)
ACTIVITY_PROGRESS_RECORDED = event(
    "mediation.activity.progress_recorded",
    "{actor} a noté l'autonomie et la suite de l'{target} : {level} ; {next_step}",
    details=("level", "next_step"),
)
