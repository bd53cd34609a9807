"""The programme's journal events: every change to its reference data. ``changes`` is the
French list of what changed (``nom : A → B; …``)."""

from passnum.audit.events import event

PROGRAMME_UPDATED = event(
    "programme.programme.updated",
    "{actor} a modifié le programme : {changes}",
    details=("changes",),
)
FUNDER_UPDATED = event(
    "programme.funder.updated",
    "{actor} a modifié le financeur {target} : {changes}",
    details=("changes",),
)
BUDGET_LINE_CREATED = event(
    "programme.budget_line.created",
    "{actor} a ajouté la ligne budgétaire « {target} » de {amount}",
    details=("funder", "amount"),
)
BUDGET_LINE_UPDATED = event(
    "programme.budget_line.updated",
    "{actor} a modifié la ligne budgétaire « {target} » : {changes}",
    details=("changes",),
)
ENVELOPE_UPDATED = event(
    "programme.envelope.updated",
    "{actor} a fixé l'objectif « {target} » à {new:chéquier|chéquiers} (auparavant {old})",
    details=("old", "new"),
)
VINTAGE_CREATED = event("programme.vintage.created", "{actor} a créé le {target}")
VINTAGE_UPDATED = event(
    "programme.vintage.updated",
    "{actor} a modifié le {target} : {changes}",
    details=("changes",),
)
TARGET_PUBLIC_CREATED = event(
    "programme.target_public.created",
    "{actor} a ajouté le public cible « {target} » ({side})",
    details=("side",),
)
TARGET_PUBLIC_UPDATED = event(
    "programme.target_public.updated",
    "{actor} a modifié le public cible « {target} » : {changes}",
    details=("changes",),
)
EPCI_PARTNER_ADDED = event(
    "programme.epci.partner_added", "{actor} a ajouté {target} aux EPCI partenaires"
)
EPCI_PARTNER_REMOVED = event(
    "programme.epci.partner_removed", "{actor} a retiré {target} des EPCI partenaires"
)
FUND_CALL_ISSUED = event(
    "programme.fund_call.issued",
    "{actor} a émis l'appel de fonds {target} : {amount} à {funder} pour {year}",
    details=("funder", "year", "amount"),
)
FUND_PAYMENT_RECORDED = event(
    "programme.fund_payment.recorded",
    "{actor} a enregistré le paiement {target} : {amount} reçu de {funder} pour {year}",
    details=("funder", "year", "amount"),
)
