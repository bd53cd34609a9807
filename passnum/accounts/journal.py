from passnum.audit.sentences import register

register(
    {
        "accounts.user.logged_in": "{actor} s'est connecté(e)",
        "accounts.password.changed": "{actor} a changé son mot de passe",
        "accounts.password.reset": "{actor} a réinitialisé son mot de passe",
        "accounts.mfa.added": "{actor} a activé la double authentification ({kind})",
        "accounts.mfa.removed": "{actor} a retiré un moyen de double authentification ({kind})",
    }
)
