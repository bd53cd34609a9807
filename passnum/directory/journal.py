"""The directory's journal events: mediator organisations, their profile, qualification and
places. Their codes keep the ``mediation.`` prefix they were first written with, so that the
journal's stored rows keep their sentences."""

# ruff: noqa: E501  (sentences read better on one line)
from passnum.audit.events import event

MEDIATOR_INVITED = event(
    "mediation.mediator.invited",
    "{actor} a créé la structure de médiation {target} et invité {email}",
    details=("email",),
)
PROFILE_UPDATED = event(
    "mediation.profile.updated",
    "{actor} a modifié le profil de {target} ({fields})",
    details=("fields",),
    optional=("to_confirm",),
)
BANK_DETAILS_CHANGED = event(
    "mediation.profile.bank_details_changed",
    "{actor} a modifié les coordonnées bancaires de {target} : {changes}",
    details=("changes", "bank_changes", "to_confirm"),
)
BANK_DETAILS_CONFIRMED = event(
    "mediation.profile.bank_details_confirmed",
    "{actor} a revalidé les coordonnées bancaires de {target}",
)
QUALIFICATION_CHANGED = event(
    "mediation.mediator.qualification_changed",
    "{actor} a fait passer {target} de « {from} » à « {to} » (motif : {reason})",
    details=("from", "to", "reason"),
)
PLACE_CREATED = event("mediation.place.created", "{actor} a créé le lieu {target}")
PLACE_UPDATED = event("mediation.place.updated", "{actor} a modifié le lieu {target}")
PLACE_APPOINTMENTS_SET = event(
    "directory.place.appointments_set",
    "{actor} a indiqué que le lieu {target} prend des rendez-vous : {state}",
    details=("state",),
)
PLACE_SLOT_ADDED = event(
    "directory.place.slot_added",
    "{actor} a ajouté au lieu {target} le créneau {slot} ({capacity:personne|personnes})",
    details=("slot", "capacity"),
)
PLACE_SLOT_REMOVED = event(
    "directory.place.slot_removed",
    "{actor} a retiré du lieu {target} le créneau {slot}",
    details=("slot",),
)
PLACE_CLOSURE_ADDED = event(
    "directory.place.closure_added",
    "{actor} a fermé le lieu {target} aux rendez-vous : {closure}",
    details=("closure",),
)
PLACE_CLOSURE_REMOVED = event(
    "directory.place.closure_removed",
    "{actor} a retiré une fermeture du lieu {target} : {closure}",
    details=("closure",),
)
