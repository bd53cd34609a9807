# ruff: noqa: E501  (sentences read better on one line)
from passnum.audit.sentences import register

register(
    {
        "mediation.agreement.created": "{actor} a préparé la {target} ({start} – {end})",
        "mediation.agreement.activated": "{actor} a mis en vigueur la {target}, signée le {signed}",
        "mediation.agreement.terminated": "{actor} a résilié la {target} (motif : {reason})",
        "mediation.cheque.redeemed": "{actor} a encaissé le {target} ({activity})",
        "mediation.activity.recorded": "{actor} a enregistré une activité : {kind}",
        "mediation.statement.issued": "{actor} a émis le {target} ({count} chèques, {period})",
        "mediation.statement.validated": "{actor} a validé le {target}",
        "mediation.statement.sent": "{actor} a envoyé le {target} en paiement",
        "mediation.statement.paid": "{actor} a enregistré le paiement du {target} (référence {reference})",
        "mediation.statements.exported": "{actor} a exporté {count} relevés validés (avec IBAN)",
        "mediation.mediators.exported": "{actor} a exporté la liste des médiateurs ({format})",
    }
)
