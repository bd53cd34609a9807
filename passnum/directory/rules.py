"""The directory's vocabulary and validators: the national schema's words for places and
labels, and the SIRET, IBAN and BIC checks. Forms validate a field with the very rule the
directory's services enforce."""

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
