"""Step 3 of the front desk's flow: the chequebook scanned or typed, handed over through
chequebooks' service."""

from django.core.exceptions import ValidationError
from django.db import transaction

from chequebooks.models import Cheque, Chequebook
from chequebooks.services import cheque_code_matches, cheque_scan_read, chequebook_hand_over
from passnum.people.models import Beneficiary

from ..models import Assessment
from ..selectors import beneficiaries_visible_to


def chequebook_from_scan(*, text, membership):
    """The chequebook of this front desk that what the agent typed or scanned designates: a
    chequebook number, a cheque number, or a cheque's QR code ("PASSNUM:<number>:<code>", the
    one printed on every cheque; its code must then match). None when nothing matches."""
    held = Chequebook.objects.filter(holder=membership.organisation)
    number, code = cheque_scan_read(text)
    if code is not None:
        cheque = Cheque.objects.filter(number=number, chequebook__in=held).first()
        if cheque is None or not cheque_code_matches(cheque=cheque, code=code):
            return None
        return cheque.chequebook
    chequebook = held.filter(number=number).first()
    if chequebook is None:
        cheque = Cheque.objects.filter(number=number, chequebook__in=held).first()
        chequebook = cheque.chequebook if cheque else None
    return chequebook


def beneficiary_hand_over(*, beneficiary: Beneficiary, chequebook_number, membership):
    """Hand over the chequebook whose number (or one of whose cheques' QR code) the agent
    scanned or typed, through the chequebooks app's service (which holds the rules: held by
    this desk, one per vintage, side's envelope...). Marks the latest assessment of this desk
    as "handed over"."""
    if not beneficiaries_visible_to(membership).filter(pk=beneficiary.pk).exists():
        raise ValidationError("Cette personne n'est pas suivie par votre accueil.")
    try:
        chequebook = chequebook_from_scan(text=chequebook_number, membership=membership)
    except ValidationError as error:
        raise ValidationError({"chequebook_number": error.messages}) from error
    if chequebook is None:
        raise ValidationError(
            {"chequebook_number": "Aucun chéquier de ce numéro n'est détenu par votre accueil."}
        )
    with transaction.atomic():
        chequebook = chequebook_hand_over(
            chequebook=chequebook, beneficiary=beneficiary, membership=membership
        )
        Assessment.objects.filter(
            pk__in=beneficiary.assessments.filter(
                assessed_by_organisation=membership.organisation
            ).values("pk")[:1]
        ).update(handover_decision=True, no_handover_reason="")
    return chequebook
