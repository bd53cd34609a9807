from passnum.audit.sentences import register

register(
    {
        "chequebooks.chequebook.handed_over": "{actor} a remis le {target}",
        "chequebooks.chequebook.allocated": "{actor} a attribué le {target} à {to}",
        "chequebooks.chequebook.received": ("{actor} a confirmé la réception du {target}"),
        "chequebooks.chequebook.returned": (
            "{actor} a remis le {target} dans le stock du programme (depuis {from})"
        ),
        "chequebooks.chequebook.transferred": "{actor} a transféré le {target} de {from} à {to}",
        "chequebooks.chequebook.cancelled": (
            "{actor} a fait opposition sur le {target} : {reason}"
        ),
        "chequebooks.cheque.cancelled": ("{actor} a fait opposition sur le {target} : {reason}"),
        "chequebooks.chequebook.receipt_downloaded": (
            "{actor} a téléchargé l'attestation de remise du {target}"
        ),
        "chequebooks.print_run.created": "{actor} a lancé l'{target} ({count} chéquiers)",
        "chequebooks.print_run.rendered": "Le fichier de l'{target} a été produit",
        "chequebooks.print_run.failed": "L'{target} a échoué : {error}",
        "chequebooks.print_run.downloaded": "{actor} a téléchargé le fichier de l'{target}",
        "chequebooks.import_batch.created": (
            "{actor} a importé {target} ({chequebooks} chéquiers, {cheques} chèques)"
        ),
        "chequebooks.exception.granted": "{actor} a accordé une dérogation ({target}) : {reason}",
        "chequebooks.vintage.alert_sent": (
            "Alerte J-30 envoyée pour le {target} ({recipients} destinataires)"
        ),
        "chequebooks.vintage.frozen": "Les remises du {target} ont été gelées (J-15)",
        "chequebooks.vintage.freeze_lifted": "{actor} a levé le gel des remises du {target}",
        "chequebooks.vintage.expired": (
            "Les chèques non encaissés du {target} sont expirés ({count} chèques)"
        ),
    }
)
