"""The accounts' journal events: the security events of an account."""

from passnum.audit.events import event

USER_LOGGED_IN = event("accounts.user.logged_in", "Connexion de {actor}")
PASSWORD_CHANGED = event("accounts.password.changed", "{actor} a changé son mot de passe")
PASSWORD_RESET = event("accounts.password.reset", "{actor} a réinitialisé son mot de passe")
MFA_ADDED = event(
    "accounts.mfa.added", "{actor} a activé la double authentification ({kind})", details=("kind",)
)
MFA_REMOVED = event(
    "accounts.mfa.removed",
    "{actor} a retiré un moyen de double authentification ({kind})",
    details=("kind",),
)
PROCONNECT_MATCHED = event(
    "accounts.proconnect.matched",
    "{actor} : première identification avec ProConnect, rattachée à son compte par "
    "l'adresse {email} ({how})",
    details=("email", "how"),
)
PROCONNECT_REFUSED = event(
    "accounts.proconnect.refused",
    "Connexion ProConnect refusée pour {email} : aucun compte ni invitation à cette adresse",
    details=("email",),
)
