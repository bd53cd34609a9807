"""Checking a cheque without redeeming it (issue 14, item 4): the redemption's rules, never
whose it is, wrong codes counted against the same limit."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chequebooks.models import ChequeState
from mediation.models import Redemption, RedemptionAttempt
from mediation.services import WRONG_CODE_LIMIT, Reason, cheque_check
from tests.factories import ChequebookFactory

from .conftest import CODE, make_mediator

pytestmark = pytest.mark.django_db


def _cheque(chequebook, position=1):
    return chequebook.cheques.get(position=position)


def test_a_valid_cheque_is_said_valid_and_nothing_is_redeemed(mediator, chequebook):
    cheque = _cheque(chequebook)
    answer = cheque_check(membership=mediator, number=str(cheque.number), code=CODE.lower())
    assert answer.ok and str(cheque.number) in answer.details
    cheque.refresh_from_db()
    assert cheque.state == ChequeState.HANDED_OUT
    assert not Redemption.objects.exists() and not RedemptionAttempt.objects.exists()


def test_the_qr_content_is_read(mediator, chequebook):
    cheque = _cheque(chequebook)
    assert cheque_check(membership=mediator, number=f"PASSNUM;{cheque.number};{CODE}").ok


def test_an_already_redeemed_cheque_never_says_for_whom(mediator, chequebook, redeem):
    cheque = _cheque(chequebook)
    assert redeem([cheque]).ok
    answer = cheque_check(membership=mediator, number=str(cheque.number), code=CODE)
    assert not answer.ok and answer.reason == Reason.ALREADY_REDEEMED
    beneficiary = chequebook.beneficiary
    text = answer.message + answer.details
    assert beneficiary.first_name not in text and beneficiary.last_name not in text
    assert answer.message == Reason.MESSAGES[Reason.ALREADY_REDEEMED]


def test_cancelled_not_handed_out_and_unknown_cheques_are_refused(mediator, vintage, envelope):
    cancelled = ChequebookFactory(state="cancelled", vintage=vintage, envelope=envelope)
    in_stock = ChequebookFactory(vintage=vintage, envelope=envelope)
    check = lambda n: cheque_check(membership=mediator, number=str(n), code=CODE)  # noqa: E731
    assert check(_cheque(cancelled).number).reason == Reason.CANCELLED
    assert check(_cheque(in_stock).number).reason == Reason.NOT_HANDED_OUT
    assert check(999999999).reason == Reason.UNKNOWN_NUMBER


def test_unreadable_input_is_a_field_error_and_costs_nothing(mediator):
    with pytest.raises(ValidationError) as error:
        cheque_check(membership=mediator, number="abc", code=CODE)
    assert "number" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        cheque_check(membership=mediator, number="123456", code="")
    assert "code" in error.value.error_dict
    assert not RedemptionAttempt.objects.exists()


def test_wrong_codes_count_against_the_redemption_limit(mediator, chequebook, redeem):
    cheque = _cheque(chequebook)
    for _ in range(WRONG_CODE_LIMIT - 1):
        answer = cheque_check(membership=mediator, number=str(cheque.number), code="WRONGONE")
        assert answer.reason == Reason.WRONG_CODE
    assert RedemptionAttempt.objects.filter(reason=Reason.WRONG_CODE).count() == 4
    # One more wrong code on the redemption page spends the last of the same budget...
    assert [a.reason for a in redeem([cheque], code="WRONGTWO").answers] == [Reason.WRONG_CODE]
    # ...so both the check and the redemption are now throttled, even with the right code.
    answer = cheque_check(membership=mediator, number=str(cheque.number), code=CODE)
    assert answer.reason == Reason.THROTTLED
    assert [a.reason for a in redeem([cheque]).answers] == [Reason.THROTTLED]


def test_a_mediator_without_agreement_is_told(chequebook):
    membership = make_mediator(agreement=False)
    answer = cheque_check(membership=membership, number=str(_cheque(chequebook).number), code=CODE)
    assert answer.reason == Reason.NO_ACTIVE_AGREEMENT


def test_the_page_checks_and_shows_no_person(login, mediator, chequebook, redeem):
    cheque = _cheque(chequebook)
    redeem([cheque])
    client = login(mediator)
    url = reverse("mediation:cheque_check")
    assert client.get(url).status_code == 200
    page = html.unescape(
        client.post(url, {"number": str(cheque.number), "code": CODE}).content.decode()
    )
    assert "déjà été encaissé" in page
    assert chequebook.beneficiary.last_name not in page
    page = html.unescape(client.post(url, {"number": "zz", "code": CODE}).content.decode())
    assert "Saisie illisible" in page


def test_front_desks_cannot_check(login):
    from tests.factories import evaluator_membership

    client = login(evaluator_membership())
    assert client.get(reverse("mediation:cheque_check")).status_code in (302, 403, 404)
