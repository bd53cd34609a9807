"""Why a cheque is not redeemed: the refusal reasons' codes and French sentences."""


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
