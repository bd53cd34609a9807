"""Check a cheque without redeeming it: may it be redeemed here today? Never whose it is.

The same rules as redemption (``redemption_rules``: the mediator's, then the cheque's, in
their order) and the same wrong-code budget (``attempts``): a wrong code typed here counts
against the account's and the organisation's limits exactly as one typed on the redemption
page, so the check is no way around the throttling."""

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from chequebooks.models import Cheque
from chequebooks.services import cheque_qr_parse
from passnum.core.money import format_cents
from passnum.core.numbers import BIGINT_MAX, parse_number
from passnum.organisations.roles import is_mediator_member

from .attempts import attempts_record, code_digest, wrong_code_budget
from .redemption_rules import Reason, cheque_refusal, mediator_redemption_refusal

#: Refusals whose sentence would say something of the person or the redemption: the check
#: answers with the reason's general sentence instead.
GENERAL_SENTENCE_ONLY = (Reason.ALREADY_REDEEMED,)


@dataclass
class ChequeCheck:
    """The answer of a check: whether the cheque can be redeemed today, and why not."""

    typed: str
    ok: bool = False
    reason: str | None = None
    message: str = ""
    cheque: Cheque | None = None
    code_digest: str = ""
    details: str = ""


def cheque_check_parse(number: str, code: str = "") -> tuple[int, str]:
    """Read what was typed or scanned: a cheque number and its code, or the QR content
    ``PASSNUM:<number>:<code>``. Unreadable: a ValidationError by field."""
    typed = (number or "").strip()
    if typed.upper().startswith("PASSNUM"):
        try:
            return cheque_qr_parse(typed)
        except ValidationError as error:
            raise ValidationError({"number": error.messages}) from error
    try:  # the one number parser: ASCII digits within a bigint ('²' is not a digit here)
        number = parse_number(typed, min_value=1, max_value=BIGINT_MAX)
    except ValidationError as error:
        raise ValidationError({"number": Reason.MESSAGES[Reason.MALFORMED]}) from error
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": "Indiquez le code de sécurité du chèque."})
    return number, code


def cheque_check(*, membership, number: str, code: str = "") -> ChequeCheck:
    """Rule: a mediator checks whether a cheque can be redeemed by its structure today
    (Europe/Paris), with the redemption's rules in their order (``mediator_redemption_refusal``,
    then ``cheque_refusal``: code, already redeemed, cancelled, expired, not handed out, not
    yet valid). The answer never names the person, nor who redeemed it. Every refusal is
    stored as a redemption attempt; a wrong code spends the account's and its organisation's
    wrong-code budget (``wrong_code_budget``, under the account's and organisation's row
    locks); once spent, no code is tried. Nothing is redeemed."""
    if not is_mediator_member(membership):
        raise ValidationError("Seul un acteur de médiation vérifie des chèques.")
    organisation, user = membership.organisation, membership.user
    cheque_number, code = cheque_check_parse(number, code)
    answer = ChequeCheck(typed=(number or "").strip()[:40], code_digest=code_digest(code))
    day = timezone.localdate()
    # Each check is its own "submission": the same wrong code checked twice counts twice.
    token = f"verification-{secrets.token_hex(8)}"
    with transaction.atomic():
        if wrong_code_budget(membership, token=token).remaining <= 0:
            answer.reason = Reason.THROTTLED
        else:
            answer.reason = mediator_redemption_refusal(organisation, day=day)
        if answer.reason is None:
            answer.cheque = (
                Cheque.objects.filter(number=cheque_number)
                .select_related("chequebook__vintage")
                .first()
            )
            if answer.cheque is None:
                answer.reason = Reason.UNKNOWN_NUMBER
            else:
                answer.reason, answer.message = cheque_refusal(
                    answer.cheque, code=code, organisation=organisation, day=day
                )
        if answer.reason is not None:
            if answer.reason in GENERAL_SENTENCE_ONLY or not answer.message:
                answer.message = Reason.MESSAGES[answer.reason]
            attempts_record([answer], organisation=organisation, user=user, token=token)
            return answer
    vintage = answer.cheque.chequebook.vintage
    answer.ok = True
    answer.message = "Ce chèque peut être encaissé aujourd'hui par votre structure."
    answer.details = (
        f"Chèque n° {answer.cheque.number} de {format_cents(vintage.face_value_cents)}, "
        f"millésime {vintage.year}, valable jusqu'au "
        f"{date_format(vintage.valid_until, 'j F Y')}."
    )
    return answer
