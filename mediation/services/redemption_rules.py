"""Why a cheque is not redeemed, in one place: every refusal reason's code (stored with the
refused attempt), its French sentence, and the check that refuses for the reasons that depend
on the mediator or on the cheque.

Adding a reason touches this module only (and its test): add its code and sentence to
``Reason``, write its check next to the others and put it in ``MEDIATOR_CHECKS`` or
``CHEQUE_CHECKS`` at the place it takes in the order. A check returns False (no refusal), True
(refused with the reason's sentence) or a more precise sentence. The reasons about the form
itself (malformed or duplicate line, unknown number, throttled, cheques of another person)
are decided by redemption.py while it reads the lines."""

import datetime
from dataclasses import dataclass

from django.db.models import Subquery
from django.utils import timezone

from chequebooks.models import ChequeState
from chequebooks.services import cheque_code_matches
from chequebooks.states import REDEEMED_STATES
from passnum.directory.models import MediatorProfile
from passnum.organisations.models import Organisation
from passnum.programme.vintages import vintage_has_ended, vintage_is_valid_on

from ..models import Agreement, Redemption


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
        THROTTLED: "Trop de codes erronés saisis récemment (par vous ou dans votre structure) : "
        "l'encaissement est bloqué pour "
        "quelques minutes. Vérifiez les chèques, puis réessayez plus tard.",
        OTHER_PERSON: "Ce chèque appartient à une autre personne : un accompagnement individuel "
        "ne concerne qu'une personne (choisissez « Atelier collectif » pour un groupe).",
        DUPLICATE_LINE: "Ce chèque est saisi deux fois dans le formulaire.",
        MALFORMED: "Saisie illisible : indiquez le numéro du chèque (chiffres) et son code, ou "
        "scannez son QR code.",
    }


# --- The mediator: checked before any cheque is tried ----------------------------------------


@dataclass
class MediatorFacts:
    """What the mediator checks read, in one query (mediator_facts, or the redemption's lock
    statement): the profile's qualification status (None: no profile) and whether an
    agreement is in force."""

    qualification_status: str | None
    agreement_in_force: bool

    def __post_init__(self):
        self.agreement_in_force = self.agreement_in_force is not None and bool(
            self.agreement_in_force
        )


def mediator_facts_querysets(organisation_id, day: datetime.date) -> dict:
    """The querysets MEDIATOR_CHECKS read, for the mediator ``organisation_id`` on ``day``,
    each giving one value (or none) named as a field of MediatorFacts:
    ``agreement_in_force`` (the id of one: AgreementQuerySet.in_force) and
    ``qualification_status`` (the profile's, if any). A new mediator check adds its fact
    here and in MediatorFacts: the redemption's lock statement reads them all."""
    return {
        "agreement_in_force": Agreement.objects.in_force(day)
        .filter(mediator_id=organisation_id)
        .values("pk")[:1],
        "qualification_status": MediatorProfile.objects.filter(
            organisation_id=organisation_id
        ).values("qualification_status")[:1],
    }


def mediator_facts_annotations(organisation_id, day: datetime.date) -> dict:
    """mediator_facts_querysets as annotations of any one-row query."""
    querysets = mediator_facts_querysets(organisation_id, day)
    return {name: Subquery(queryset) for name, queryset in querysets.items()}


def mediator_facts(organisation, *, day: datetime.date) -> MediatorFacts:
    """The mediator's facts read now (one query; not a profile cached on ``organisation``:
    a suspension made a moment ago counts)."""
    row = (
        Organisation.objects.filter(pk=organisation.pk)
        .annotate(**mediator_facts_annotations(organisation.pk, day))
        .values(*mediator_facts_querysets(organisation.pk, day))
        .get()
    )
    return MediatorFacts(**row)


def _mediator_not_qualified(facts: MediatorFacts) -> bool:
    """Only a qualified mediator redeems (``MediatorProfile.is_qualified``, as
    ``mediator_is_qualified`` says: suspended, disqualified, still applying or without a
    profile, it does not)."""
    status = facts.qualification_status
    return status is None or not MediatorProfile(qualification_status=status).is_qualified


def _no_agreement_in_force(facts: MediatorFacts) -> bool:
    """Only on a day covered by an agreement in force (AgreementQuerySet.in_force)."""
    return not facts.agreement_in_force


#: In order: the first that refuses gives the reason.
MEDIATOR_CHECKS = (
    (Reason.MEDIATOR_NOT_QUALIFIED, _mediator_not_qualified),
    (Reason.NO_ACTIVE_AGREEMENT, _no_agreement_in_force),
)


def mediator_redemption_refusal(
    organisation, *, day: datetime.date, facts: MediatorFacts | None = None
) -> str | None:
    """Rule: a mediator redeems only while qualified and on a day covered by an agreement in
    force (MEDIATOR_CHECKS). Returns the reason code that forbids it, or None. ``facts``:
    already read (by the redemption's lock query); else read now."""
    facts = facts or mediator_facts(organisation, day=day)
    for reason, refuses in MEDIATOR_CHECKS:
        if refuses(facts):
            return reason
    return None


# --- One cheque -------------------------------------------------------------------------------


def _wrong_code(cheque, *, code, organisation, day):
    """The security code typed (or scanned) must be the cheque's."""
    return not (code and cheque_code_matches(cheque=cheque, code=code))


def _already_redeemed(cheque, *, code, organisation, day):
    """A cheque is redeemed at most once, ever: the sentence says when and by whom."""
    if cheque.state not in REDEEMED_STATES:
        return False
    redemption = Redemption.objects.filter(cheque=cheque).select_related("beneficiary").first()
    if redemption is None:
        return True
    when = timezone.localtime(redemption.redeemed_at)
    text = f"Ce chèque a déjà été encaissé le {when:%d/%m/%Y à %H:%M}"
    if redemption.mediator_id == organisation.pk:
        return f"{text} par votre structure, pour {redemption.beneficiary}."
    return f"{text} par une autre structure de médiation."


def _cancelled(cheque, *, code, organisation, day):
    return cheque.state == ChequeState.CANCELLED


def _expired(cheque, *, code, organisation, day):
    """Expired, or its vintage has ended on the day of redemption (vintage_has_ended)."""
    vintage = cheque.chequebook.vintage
    if cheque.state == ChequeState.EXPIRED or vintage_has_ended(vintage, today=day):
        return (
            f"Ce chèque est expiré : le millésime {vintage.year} était valable jusqu'au "
            f"{vintage.valid_until:%d/%m/%Y}."
        )
    return False


def _still_in_stock(cheque, *, code, organisation, day):
    return cheque.state in (ChequeState.IN_STOCK, ChequeState.AT_FRONT_DESK)


def _not_yet_valid(cheque, *, code, organisation, day):
    """Not valid yet on the day (vintage_is_valid_on; it has not ended: checked before)."""
    vintage = cheque.chequebook.vintage
    if vintage_is_valid_on(vintage, day):
        return False
    return (
        f"Ce chèque n'est pas encore valable : le millésime {vintage.year} commence le "
        f"{vintage.valid_from:%d/%m/%Y}."
    )


def _not_handed_to_a_person(cheque, *, code, organisation, day):
    return cheque.state != ChequeState.HANDED_OUT or cheque.chequebook.beneficiary_id is None


#: In order: the first that refuses gives the reason and its sentence.
CHEQUE_CHECKS = (
    (Reason.WRONG_CODE, _wrong_code),
    (Reason.ALREADY_REDEEMED, _already_redeemed),
    (Reason.CANCELLED, _cancelled),
    (Reason.EXPIRED, _expired),
    (Reason.NOT_HANDED_OUT, _still_in_stock),
    (Reason.NOT_YET_VALID, _not_yet_valid),
    (Reason.NOT_HANDED_OUT, _not_handed_to_a_person),
)


def cheque_refusal(cheque, *, code: str, organisation, day) -> tuple[str | None, str]:
    """Rule: a cheque is redeemed with its security code, never twice, not cancelled, within
    its vintage's validity on ``day`` (Europe/Paris) and handed out to a person
    (CHEQUE_CHECKS). Returns the reason that refuses it and its French sentence, or
    (None, "")."""
    for reason, refuses in CHEQUE_CHECKS:
        verdict = refuses(cheque, code=code, organisation=organisation, day=day)
        if verdict:
            return reason, verdict if isinstance(verdict, str) else Reason.MESSAGES[reason]
    return None, ""
