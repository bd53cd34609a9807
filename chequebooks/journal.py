"""The cheque stock's journal events: one per action, its code, French sentence and details.

Services record them (``journal.CHEQUEBOOK_HANDED_OUT.record(actor=..., target=..., ...)``);
no action code is written anywhere else. Imported by ``ChequebooksConfig.ready``."""

from passnum.audit.events import event

# --- Chequebooks: stock movements, hand-over, opposition ------------------------------------

CHEQUEBOOK_ALLOCATED = event(
    "chequebooks.chequebook.allocated",
    "{actor} a attribué le {target} à {to}",
    details=("to", "to_id"),
)
CHEQUEBOOK_RECEIVED = event(
    "chequebooks.chequebook.received", "{actor} a confirmé la réception du {target}"
)
CHEQUEBOOK_RETURNED = event(
    "chequebooks.chequebook.returned",
    "{actor} a remis le {target} dans le stock du programme (depuis {from})",
    details=("from", "from_id"),
)
CHEQUEBOOK_TRANSFERRED = event(
    "chequebooks.chequebook.transferred",
    "{actor} a transféré le {target} de {from} à {to}",
    details=("from", "to", "to_id"),
)
CHEQUEBOOK_HANDED_OUT = event(
    "chequebooks.chequebook.handed_over",
    "{actor} a remis le {target}",
    details=("beneficiary_id", "rank", "exception_id", "replaces"),
)
CHEQUEBOOK_CANCELLED = event(
    "chequebooks.chequebook.cancelled",
    "{actor} a fait opposition sur le {target} : {reason}",
    details=("reason", "cheques"),
)
CHEQUE_CANCELLED = event(
    "chequebooks.cheque.cancelled",
    "{actor} a fait opposition sur le {target} : {reason}",
    details=("reason", "chequebook"),
)
CHEQUEBOOK_RECEIPT_DOWNLOADED = event(
    "chequebooks.chequebook.receipt_downloaded",
    "{actor} a téléchargé l'attestation de remise du {target}",
)
EXCEPTION_GRANTED = event(
    "chequebooks.exception.granted",
    "{actor} a accordé la {target} : {reason}",
    details=("reason", "beneficiary_id", "vintage"),
)

# --- Print runs and imports -----------------------------------------------------------------

PRINT_RUN_CREATED = event(
    "chequebooks.print_run.created",
    "{actor} a lancé l'{target} ({count:chéquier|chéquiers})",
    details=("count", "first", "last"),
)
PRINT_RUN_RENDERED = event(
    "chequebooks.print_run.rendered", "Le fichier de l'{target} a été produit"
)
PRINT_RUN_FAILED = event(
    "chequebooks.print_run.failed", "L'{target} a échoué : {error}", details=("error",)
)
PRINT_RUN_RELAUNCHED = event("chequebooks.print_run.relaunched", "{actor} a relancé l'{target}")
PRINT_RUN_DOWNLOADED = event(
    "chequebooks.print_run.downloaded", "{actor} a téléchargé le fichier de l'{target}"
)
IMPORT_BATCH_CREATED = event(
    "chequebooks.import_batch.created",
    "{actor} a importé l'{target} ({chequebooks:chéquier|chéquiers}, {cheques:chèque|chèques})",
    details=("chequebooks", "cheques"),
)

# --- End of a vintage -----------------------------------------------------------------------

VINTAGE_ALERT_SENT = event(
    "chequebooks.vintage.alert_sent",
    "Alerte J-30 envoyée pour le {target} ({recipients:destinataire|destinataires})",
    details=("recipients",),
)
VINTAGE_FROZEN = event(
    "chequebooks.vintage.frozen", "Les remises du {target} ont été gelées (J-15)"
)
VINTAGE_FREEZE_NOTIFIED = event(
    "chequebooks.vintage.freeze_notified",
    "Les accueils détenant des chéquiers du {target} ont été prévenus du gel des remises "
    "({recipients:destinataire|destinataires})",
    details=("recipients",),
)
VINTAGE_FREEZE_LIFTED = event(
    "chequebooks.vintage.freeze_lifted", "{actor} a levé le gel des remises du {target}"
)
VINTAGE_EXPIRED = event(
    "chequebooks.vintage.expired",
    "Les chèques non encaissés du {target} sont expirés ({count:chèque|chèques})",
    details=("count",),
)
