from passnum.audit.sentences import register

register(
    {
        "programme.programme.updated": "{actor} a modifié le programme : {changes}",
        "programme.funder.updated": "{actor} a modifié le financeur {target} : {changes}",
        "programme.budget_line.created": (
            "{actor} a ajouté la ligne budgétaire « {target} » de {amount}"
        ),
        "programme.budget_line.updated": (
            "{actor} a modifié la ligne budgétaire « {target} » : {changes}"
        ),
        "programme.envelope.updated": (
            "{actor} a fixé l'objectif « {target} » à {new} chéquiers (auparavant {old})"
        ),
        "programme.vintage.created": "{actor} a créé le {target}",
        "programme.vintage.updated": "{actor} a modifié le {target} : {changes}",
        "programme.target_public.created": "{actor} a ajouté le public cible « {target} » ({side})",
        "programme.target_public.updated": (
            "{actor} a modifié le public cible « {target} » : {changes}"
        ),
        "programme.epci.partner_added": "{actor} a ajouté {target} aux EPCI partenaires",
        "programme.epci.partner_removed": "{actor} a retiré {target} des EPCI partenaires",
    }
)
