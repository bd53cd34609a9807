"""The organisations' journal events: organisations, memberships and invitations."""

from passnum.audit.events import event

MEMBERSHIP_ADDED = event(
    "organisations.membership.added",
    "{actor} a donné le rôle « {role} » à {person}",
    details=("role", "person"),
)
MEMBERSHIP_DEACTIVATED = event(
    "organisations.membership.deactivated",
    "{actor} a désactivé l'accès de {person} à {organisation_name}",
    details=("person", "organisation_name"),
)
INVITATION_SENT = event(
    "organisations.invitation.sent",
    "{actor} a invité {email} ({role}) à {organisation_name}",
    details=("email", "role", "organisation_name"),
)
INVITATION_ACCEPTED = event("organisations.invitation.accepted", "{actor} a accepté son invitation")
INVITATION_CANCELLED = event(
    "organisations.invitation.cancelled",
    "{actor} a retiré l'invitation de {email} à {organisation_name}",
    details=("email", "organisation_name"),
)
ORGANISATION_CREATED = event(
    "organisations.organisation.created",
    "{actor} a créé la structure {target} ({kind})",
    details=("kind",),
)
ORGANISATION_UPDATED = event(
    "organisations.organisation.updated",
    "{actor} a modifié la structure {target} : {fields}",
    details=("fields",),
)
FRONT_DESK_TYPE_CREATED = event(
    "organisations.front_desk_type.created", "{actor} a ajouté le type d'accueil « {target} »"
)
FRONT_DESK_TYPE_UPDATED = event(
    "organisations.front_desk_type.updated",
    "{actor} a modifié le type d'accueil « {target} » : {changes}",
    details=("changes",),
)
