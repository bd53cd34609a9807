"""Rules of mediation that several services and views need: validators, reasons, periods.

Kept apart from services.py (which holds every write) so that forms can validate a field with
the very same rule the service enforces.
"""

import re

from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret

#: Values of the national schema (prise_en_charge_specifique 1.0.2).
ACCESSIBILITY_CHOICES = [
    (v, v)
    for v in [
        "Surdité",
        "Handicaps moteurs",
        "Handicaps mentaux",
        "Illettrisme",
        "Langues étrangères (anglais)",
        "Langues étrangères (autres)",
        "Déficience visuelle",
    ]
]
#: modalites_accompagnement of the schema.
SUPPORT_MODE_CHOICES = [
    (v, v)
    for v in [
        "En autonomie",
        "Accompagnement individuel",
        "Dans un atelier collectif",
        "À distance",
    ]
]
#: Labels a mediator may hold. Those of the schema's dispositif_programmes_nationaux are
#: published there; the others (#APTIC...) go to autres_formations_labels.
LABEL_CHOICES = [
    ("#APTIC", "#APTIC"),
    ("France Services", "France Services"),
    ("Conseillers numériques", "Conseiller numérique"),
    ("Aidants Connect", "Aidants Connect"),
    ("Point d'accès numérique CAF", "Point d'accès numérique CAF"),
    ("Certification PIX", "Certification PIX"),
]
SCHEMA_NATIONAL_PROGRAMMES = {
    "Aidants Connect",
    "Certification PIX",
    "Conseillers numériques",
    "France Services",
    "Point d'accès numérique CAF",
}


def siret_validate(value: str) -> str:
    """A SIRET is 14 digits with a valid Luhn key (python-stdnum). Returns it compacted."""
    try:
        return siret.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            "Ce numéro SIRET n'est pas valide : il doit compter 14 chiffres et sa clé de "
            "contrôle doit être juste."
        ) from exc


def iban_validate(value: str) -> str:
    """An IBAN with a valid checksum and national format (schwifty). Returns it compacted."""
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValidationError(
            "Cet IBAN n'est pas valide : vérifiez les chiffres recopiés depuis votre RIB."
        ) from exc


def bic_validate(value: str) -> str:
    try:
        return BIC(value, allow_invalid=False).compact
    except SchwiftyException as exc:
        raise ValidationError(
            "Ce BIC n'est pas valide : 8 ou 11 caractères, par exemple AGRIFRPP."
        ) from exc


def phone_e164(phone: str) -> str:
    """A French phone number as the schema writes it (+33565000000), or ''."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 10 and digits.startswith("0"):
        return "+33" + digits[1:]
    if digits.startswith("33") and len(digits) == 11:
        return "+" + digits
    return ""


class Reason:
    """Why a cheque was not redeemed: a code stored with the attempt, a French sentence."""

    UNKNOWN_NUMBER = "unknown_number"
    WRONG_CODE = "wrong_code"
    NOT_HANDED_OUT = "not_handed_out"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    ALREADY_REDEEMED = "already_redeemed"
    MEDIATOR_NOT_QUALIFIED = "mediator_not_qualified"
    NO_ACTIVE_AGREEMENT = "no_active_agreement"
    THROTTLED = "throttled"
    OTHER_PERSON = "other_person"
    DUPLICATE_LINE = "duplicate_line"
    MALFORMED = "malformed"

    MESSAGES = {
        UNKNOWN_NUMBER: "Numéro inconnu : aucun chèque ne porte ce numéro. Vérifiez la saisie.",
        WRONG_CODE: "Code de sécurité erroné pour ce chèque.",
        NOT_HANDED_OUT: "Ce chèque n'a pas encore été remis à un bénéficiaire : il ne peut pas "
        "être encaissé.",
        CANCELLED: "Ce chèque a été mis en opposition (perte, vol ou annulation) : il ne peut "
        "pas être encaissé.",
        EXPIRED: "Ce chèque est expiré : son millésime n'est plus valable.",
        NOT_YET_VALID: "Ce chèque n'est pas encore valable : son millésime commence plus tard.",
        ALREADY_REDEEMED: "Ce chèque a déjà été encaissé.",
        MEDIATOR_NOT_QUALIFIED: "Votre structure n'est pas qualifiée (ou est suspendue) : elle "
        "ne peut pas encaisser de chèques.",
        NO_ACTIVE_AGREEMENT: "Votre structure n'a pas de convention en vigueur aujourd'hui : "
        "elle ne peut pas encaisser de chèques.",
        THROTTLED: "Trop de codes erronés saisis récemment : l'encaissement est bloqué pour "
        "quelques minutes. Vérifiez les chèques, puis réessayez plus tard.",
        OTHER_PERSON: "Ce chèque appartient à une autre personne : un accompagnement individuel "
        "ne concerne qu'une personne (choisissez « Atelier collectif » pour un groupe).",
        DUPLICATE_LINE: "Ce chèque est saisi deux fois dans le formulaire.",
        MALFORMED: "Saisie illisible : indiquez le numéro du chèque (chiffres) et son code, ou "
        "scannez son QR code.",
    }
