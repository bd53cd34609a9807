from passnum.audit.sentences import register

register(
    {
        "organisations.membership.added": "{actor} a donné le rôle « {role} » à {person}",
        "organisations.membership.deactivated": (
            "{actor} a désactivé l'accès de {person} à {organisation_name}"
        ),
        "organisations.invitation.sent": "{actor} a invité {email} ({role}) à {organisation_name}",
        "organisations.invitation.accepted": "{actor} a accepté son invitation",
        "organisations.invitation.cancelled": (
            "{actor} a retiré l'invitation de {email} à {organisation_name}"
        ),
        "organisations.organisation.created": "{actor} a créé la structure {target} ({kind})",
        "organisations.organisation.updated": "{actor} a modifié la structure {target} : {fields}",
    }
)
