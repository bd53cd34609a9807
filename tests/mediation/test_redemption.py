"""Redemption: every refusal reason, all or nothing, retries, throttling, concurrency."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time

from chequebooks.models import Cheque, ChequeState
from mediation.models import Activity, AgreementStatus, Redemption, RedemptionAttempt
from mediation.services import (
    WRONG_CODE_LIMIT,
    ChequeLine,
    redemption_submit,
)
from mediation.services.redemption_rules import Reason
from orientation.models import ReferralState
from passnum.audit.models import JournalEntry
from passnum.directory.services import mediator_qualification_change
from tests.factories import (
    BeneficiaryFactory,
    ChequebookFactory,
    VintageFactory,
)

from .conftest import CODE, handed_out, make_mediator, token

pytestmark = pytest.mark.django_db


def cheques_of(chequebook, n=3):
    return list(chequebook.cheques.order_by("position")[:n])


def reasons(result):
    return [a.reason for a in result.answers]


def test_three_cheques_are_redeemed_for_the_chequebooks_beneficiary(mediator, chequebook, redeem):
    result = redeem(cheques_of(chequebook, 3))

    assert result.ok and not result.replayed
    assert Redemption.objects.filter(mediator=mediator.organisation).count() == 3
    assert set(Cheque.objects.filter(redemption__isnull=False).values_list("state", flat=True)) == {
        ChequeState.REDEEMED
    }
    activity = result.activity
    assert list(activity.participants.all()) == [chequebook.beneficiary]
    assert all(r.beneficiary == chequebook.beneficiary for r in result.redemptions)
    assert result.net_cents == 3 * chequebook.vintage.mediator_net_cents
    assert JournalEntry.objects.filter(action="mediation.cheque.redeemed").count() == 3


def test_qr_content_typed_by_a_scanner_is_read(chequebook, redeem):
    cheque = cheques_of(chequebook, 1)[0]
    result = redeem([ChequeLine(f"PASSNUM:{cheque.number}:{CODE.lower()}")])
    assert result.ok
    cheque.refresh_from_db()
    assert cheque.state == ChequeState.REDEEMED


def test_unknown_number_is_refused(chequebook, redeem):
    result = redeem([ChequeLine("999999999", CODE)])
    assert reasons(result) == [Reason.UNKNOWN_NUMBER]
    assert "Numéro inconnu" in result.answers[0].message


def test_wrong_code_is_refused_and_stored(mediator, chequebook, redeem):
    cheque = cheques_of(chequebook, 1)[0]
    result = redeem([cheque], code="AAAAAAAA")
    assert reasons(result) == [Reason.WRONG_CODE]
    attempt = RedemptionAttempt.objects.get()
    assert (attempt.reason, attempt.cheque, attempt.user) == (
        Reason.WRONG_CODE,
        cheque,
        mediator.user,
    )


def test_a_cheque_not_handed_out_is_refused(vintage, redeem):
    book = ChequebookFactory(vintage=vintage)  # in stock
    assert reasons(redeem(cheques_of(book, 1))) == [Reason.NOT_HANDED_OUT]


def test_a_cancelled_cheque_is_refused(chequebook, redeem):
    cheque = cheques_of(chequebook, 1)[0]
    Cheque.objects.filter(pk=cheque.pk).update(state=ChequeState.CANCELLED)
    result = redeem([cheque])
    assert reasons(result) == [Reason.CANCELLED]
    assert "opposition" in result.answers[0].message


def test_a_cheque_of_an_ended_vintage_is_refused(redeem, envelope):
    old = VintageFactory(year=timezone.localdate().year - 2)
    book = handed_out(old, envelope)
    result = redeem(cheques_of(book, 1))
    assert reasons(result) == [Reason.EXPIRED]
    assert f"{old.valid_until:%d/%m/%Y}" in result.answers[0].message


def test_an_expired_cheque_is_refused(chequebook, redeem):
    cheque = cheques_of(chequebook, 1)[0]
    Cheque.objects.filter(pk=cheque.pk).update(state=ChequeState.EXPIRED)
    assert reasons(redeem([cheque])) == [Reason.EXPIRED]


def test_validity_follows_the_paris_calendar(mediator, chequebook):
    """31 January N+1 at 23:30 in Paris is still valid; 1 February 00:30 Paris is not,
    although it is still 31 January in UTC."""
    book, vintage = chequebook, chequebook.vintage
    one, two = cheques_of(book, 2)
    last_day = vintage.valid_until
    with freeze_time(f"{last_day.isoformat()} 22:30:00+00:00"):  # 23:30 Paris
        ok = redemption_submit(
            membership=mediator,
            token=token(),
            lines=[ChequeLine(str(one.number), CODE)],
            kind="individual",
            date=timezone.localdate(),
            duration_minutes=30,
            themes=[],
        )
    assert ok.ok
    with freeze_time(f"{last_day.isoformat()} 23:30:00+00:00"):  # 00:30 Paris, next day
        late = redemption_submit(
            membership=mediator,
            token=token(),
            lines=[ChequeLine(str(two.number), CODE)],
            kind="individual",
            date=timezone.localdate(),
            duration_minutes=30,
            themes=[],
        )
    assert reasons(late) == [Reason.EXPIRED]


def test_a_cheque_of_a_vintage_not_yet_valid_is_refused(redeem, envelope):
    future = VintageFactory(year=timezone.localdate().year + 1)
    book = handed_out(future, envelope)
    result = redeem(cheques_of(book, 1))
    assert reasons(result) == [Reason.NOT_YET_VALID]
    assert f"{future.valid_from:%d/%m/%Y}" in result.answers[0].message


def test_already_redeemed_says_when_and_for_whom_to_the_same_mediator(chequebook, redeem):
    cheque = cheques_of(chequebook, 1)[0]
    assert redeem([cheque]).ok
    again = redeem([cheque])
    assert reasons(again) == [Reason.ALREADY_REDEEMED]
    message = again.answers[0].message
    assert "déjà été encaissé le" in message and str(chequebook.beneficiary) in message


def test_already_redeemed_by_another_mediator_hides_the_person(chequebook, redeem, other_mediator):
    cheque = cheques_of(chequebook, 1)[0]
    assert redeem([cheque], membership=other_mediator).ok
    again = redeem([cheque])
    assert reasons(again) == [Reason.ALREADY_REDEEMED]
    assert "autre structure" in again.answers[0].message
    assert str(chequebook.beneficiary) not in again.answers[0].message


def test_a_mediator_not_qualified_cannot_redeem(db, chequebook, redeem, manager):
    applying = make_mediator(qualified=False)
    result = redeem(cheques_of(chequebook, 2), membership=applying)
    assert set(reasons(result)) == {Reason.MEDIATOR_NOT_QUALIFIED}
    assert not Redemption.objects.exists()


def test_a_suspended_mediator_cannot_redeem(mediator, chequebook, redeem, manager):
    mediator_qualification_change(
        profile=mediator.organisation.mediator_profile,
        status="suspended",
        reason="Manquement à la charte",
        membership=manager,
    )
    assert set(reasons(redeem(cheques_of(chequebook, 1)))) == {Reason.MEDIATOR_NOT_QUALIFIED}


def test_a_mediator_without_agreement_cannot_redeem(db, chequebook, redeem):
    alone = make_mediator(agreement=False)
    assert set(reasons(redeem(cheques_of(chequebook, 1), membership=alone))) == {
        Reason.NO_ACTIVE_AGREEMENT
    }


@pytest.mark.parametrize("change", ["draft", "terminated", "ended_yesterday", "starts_tomorrow"])
def test_only_an_agreement_in_force_today_allows_redemption(mediator, chequebook, redeem, change):
    agreement = mediator.organisation.agreements.get()
    today = timezone.localdate()
    if change in ("draft", "terminated"):
        agreement.status = {
            "draft": AgreementStatus.DRAFT,
            "terminated": AgreementStatus.TERMINATED,
        }[change]
    elif change == "ended_yesterday":
        agreement.end_date = today - datetime.timedelta(days=1)
    else:
        agreement.start_date = today + datetime.timedelta(days=1)
        agreement.end_date = today + datetime.timedelta(days=300)
    agreement.save()
    assert set(reasons(redeem(cheques_of(chequebook, 1)))) == {Reason.NO_ACTIVE_AGREEMENT}


def test_all_or_nothing_one_bad_cheque_redeems_none(chequebook, redeem):
    good = cheques_of(chequebook, 3)
    result = redeem([*[ChequeLine(str(c.number), CODE) for c in good], ChequeLine("4242", CODE)])
    assert not result.ok
    assert reasons(result)[:3] == [None, None, None] and reasons(result)[3] == Reason.UNKNOWN_NUMBER
    assert not Redemption.objects.exists() and not Activity.objects.exists()
    assert not Cheque.objects.filter(state=ChequeState.REDEEMED).exists()


def test_an_individual_activity_concerns_one_person(vintage, envelope, redeem):
    a = handed_out(vintage, envelope)
    b = handed_out(vintage, envelope)
    result = redeem([*cheques_of(a, 1), *cheques_of(b, 1)])
    assert reasons(result) == [None, Reason.OTHER_PERSON]
    assert not Redemption.objects.exists()


def test_a_workshop_gathers_the_beneficiaries_of_its_cheques(vintage, envelope, redeem):
    a = handed_out(vintage, envelope)
    b = handed_out(vintage, envelope, beneficiary=BeneficiaryFactory())
    result = redeem([*cheques_of(a, 1), *cheques_of(b, 1)], kind="workshop")
    assert result.ok
    assert set(result.activity.participants.all()) == {a.beneficiary, b.beneficiary}


def test_the_same_cheque_twice_in_one_form_is_refused(chequebook, redeem):
    cheque = cheques_of(chequebook, 1)[0]
    result = redeem([cheque, cheque])
    assert reasons(result) == [None, Reason.DUPLICATE_LINE]
    assert not Redemption.objects.exists()


def test_an_unreadable_line_is_refused(chequebook, redeem):
    assert reasons(redeem([ChequeLine("PASSNUM:abc", "")])) == [Reason.MALFORMED]


def test_a_retried_submission_redeems_nothing_more(chequebook, redeem):
    cheques = cheques_of(chequebook, 3)
    first = redeem(cheques, tok="same-token")
    journal_before = JournalEntry.objects.count()
    again = redeem(cheques, tok="same-token")

    assert first.ok and again.ok and again.replayed
    assert again.activity == first.activity
    assert Redemption.objects.count() == 3 and Activity.objects.count() == 1
    assert JournalEntry.objects.count() == journal_before
    assert not RedemptionAttempt.objects.exists()


def test_a_token_cannot_be_replayed_by_another_mediator(chequebook, redeem, other_mediator):
    assert redeem(cheques_of(chequebook, 1), tok="shared").ok
    with pytest.raises(ValidationError, match="Jeton de saisie invalide"):
        redeem(cheques_of(chequebook, 1), tok="shared", membership=other_mediator)


def test_wrong_codes_are_throttled_per_account(mediator, chequebook, redeem):
    cheque = cheques_of(chequebook, 1)[0]
    start = timezone.now()
    with freeze_time(start) as clock:
        for _ in range(WRONG_CODE_LIMIT):
            assert reasons(redeem([cheque], code="WRONGONE")) == [Reason.WRONG_CODE]
        blocked = redeem([cheque])  # even the right code is refused now
        assert reasons(blocked) == [Reason.THROTTLED]
        assert not Redemption.objects.exists()
        clock.tick(datetime.timedelta(minutes=16))
        assert redeem([cheque]).ok


def test_a_refused_submission_sent_again_counts_its_wrong_codes_once(vintage, envelope, redeem):
    """A double click on a form refused for three wrong codes spends three of the budget, not
    six; a new code, even under the same token, counts."""
    cheques = cheques_of(handed_out(vintage, envelope), 5)
    first = redeem(cheques[:3], code="WRONGONE", tok="refused-twice", kind="workshop")
    again = redeem(cheques[:3], code="WRONGONE", tok="refused-twice", kind="workshop")
    assert reasons(first) == reasons(again) == [Reason.WRONG_CODE] * 3
    other_code = redeem(cheques[:1], code="WRONGTWO", tok="refused-twice")
    assert reasons(other_code) == [Reason.WRONG_CODE]  # 4 spent
    fifth = redeem(cheques[3:5], code="WRONGONE", kind="workshop")
    assert reasons(fifth) == [Reason.WRONG_CODE, Reason.THROTTLED]  # the 5th, then none
    assert reasons(redeem(cheques[4:5])) == [Reason.THROTTLED]
    # The retry of an already counted submission tries nothing new once the budget is spent.
    retry = redeem(cheques[:4], code="WRONGONE", tok="refused-twice", kind="workshop")
    assert reasons(retry) == [Reason.WRONG_CODE] * 3 + [Reason.THROTTLED]


def test_throttling_counts_one_account_only(db, chequebook, redeem, mediator):
    colleague = make_mediator()
    cheque = cheques_of(chequebook, 1)[0]
    for _ in range(WRONG_CODE_LIMIT):
        redeem([cheque], code="WRONGONE")
    assert redeem([cheque], membership=colleague).ok


def test_an_activity_answering_a_referral_moves_it_to_first_session(mediator, chequebook, redeem):
    from tests.factories import ReferralFactory

    referral = ReferralFactory(
        beneficiary=chequebook.beneficiary,
        mediator=mediator.organisation,
        place=mediator.organisation.places.first(),
        state=ReferralState.ACCEPTED,
    )
    result = redeem(cheques_of(chequebook, 2), referral=referral)
    assert result.ok and result.activity.referral == referral
    referral.refresh_from_db()
    assert referral.state == ReferralState.FIRST_SESSION


def test_a_referral_of_another_person_is_refused(mediator, chequebook, redeem, vintage, envelope):
    from tests.factories import ReferralFactory

    other = handed_out(vintage, envelope)
    referral = ReferralFactory(
        beneficiary=other.beneficiary,
        mediator=mediator.organisation,
        place=mediator.organisation.places.first(),
        state=ReferralState.ACCEPTED,
    )
    with pytest.raises(ValidationError, match="concerne une autre personne"):
        redeem(cheques_of(chequebook, 1), referral=referral)
    assert not Redemption.objects.exists()


def test_the_database_refuses_a_second_redemption_of_a_cheque(mediator, chequebook, redeem):
    from django.db import IntegrityError, transaction

    first = redeem(cheques_of(chequebook, 1)).redemptions[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Redemption.objects.create(
            cheque=first.cheque,
            mediator=first.mediator,
            beneficiary=first.beneficiary,
            activity=first.activity,
            submission=first.submission,
            face_value_cents=1000,
            mediator_net_cents=960,
            redeemed_by=first.redeemed_by,
            redeemed_at=timezone.now(),
        )


def test_the_lines_are_checked_before_any_lock_with_a_bounded_number_of_queries(
    chequebook, redeem, django_assert_max_num_queries
):
    with django_assert_max_num_queries(45):
        assert redeem(cheques_of(chequebook, 10)).ok


# --- PostgreSQL: real concurrency ---------------------------------------------------------------


def _run_threads(targets):
    barrier = threading.Barrier(len(targets))
    results, errors = [], []

    def run(fn):
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_race_two_mediators_many_threads_one_cheque_is_redeemed_once(chequebook):
    a = make_mediator(name="Course A")
    b = make_mediator(name="Course B")
    book = chequebook
    cheque = book.cheques.order_by("position").first()

    def attempt(membership, i):
        return lambda: redemption_submit(
            membership=membership,
            token=f"race-{membership.pk}-{i}",
            lines=[ChequeLine(str(cheque.number), CODE)],
            kind="individual",
            date=timezone.localdate(),
            duration_minutes=30,
            themes=[],
        )

    results, errors = _run_threads([attempt(m, i) for i in range(6) for m in (a, b)])

    assert not errors, errors
    assert sum(r.ok for r in results) == 1
    assert Redemption.objects.filter(cheque=cheque).count() == 1
    refused = [r for r in results if not r.ok]
    assert len(refused) == 11
    assert {a.reason for r in refused for a in r.answers} == {Reason.ALREADY_REDEEMED}
    assert RedemptionAttempt.objects.filter(reason=Reason.ALREADY_REDEEMED).count() == 11


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_race_the_same_token_sent_concurrently_redeems_once(chequebook):
    a = make_mediator(name="Double clic")
    book = chequebook
    cheques = list(book.cheques.order_by("position")[:3])

    def attempt():
        return redemption_submit(
            membership=a,
            token="double-click",
            lines=[ChequeLine(str(c.number), CODE) for c in cheques],
            kind="individual",
            date=timezone.localdate(),
            duration_minutes=30,
            themes=[],
        )

    results, errors = _run_threads([attempt] * 6)
    assert not errors, errors
    assert all(r.ok for r in results)
    assert sum(not r.replayed for r in results) == 1
    assert Redemption.objects.count() == 3 and Activity.objects.count() == 1


def test_one_submission_cannot_try_more_codes_than_the_budget(mediator, vintage, envelope, redeem):
    """Ten lines with wrong codes in one form: only WRONG_CODE_LIMIT codes are tried."""
    books = [handed_out(vintage, envelope) for _ in range(2)]
    cheques = [c for b in books for c in b.cheques.order_by("position")][:12]
    result = redeem(cheques, code="WRONGONE", kind="workshop")
    assert reasons(result).count(Reason.WRONG_CODE) == WRONG_CODE_LIMIT
    assert reasons(result).count(Reason.THROTTLED) == len(cheques) - WRONG_CODE_LIMIT


def test_a_submission_has_at_most_twenty_lines(chequebook, redeem):
    with pytest.raises(ValidationError, match="Au plus 20 chèques par saisie"):
        redeem([ChequeLine(str(n), CODE) for n in range(1, 22)])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_race_parallel_submissions_of_one_account_share_the_wrong_code_budget(vintage, envelope):
    """Six parallel submissions of five wrong codes each from one account: together they try
    WRONG_CODE_LIMIT codes, not six times as many; the rest are refused as throttled."""
    a = make_mediator(name="Devineur")
    books = [handed_out(vintage, envelope) for _ in range(6)]

    def attempt(book):
        return lambda: redemption_submit(
            membership=a,
            token=f"guess-{book.pk}",
            lines=[ChequeLine(str(c.number), "WRONGONE") for c in cheques_of(book, 5)],
            kind="workshop",
            date=timezone.localdate(),
            duration_minutes=30,
            themes=[],
        )

    results, errors = _run_threads([attempt(b) for b in books])

    assert not errors, errors
    tried = [r for res in results for r in reasons(res)]
    assert tried.count(Reason.WRONG_CODE) == WRONG_CODE_LIMIT
    assert tried.count(Reason.THROTTLED) == 30 - WRONG_CODE_LIMIT
    assert RedemptionAttempt.objects.filter(reason=Reason.WRONG_CODE).count() == WRONG_CODE_LIMIT


def test_a_redemption_needs_an_activity_of_at_least_a_minute(chequebook, redeem):
    with pytest.raises(ValidationError) as exc:
        redeem(cheques_of(chequebook, 1), duration_minutes=0)
    assert "duration_minutes" in exc.value.message_dict
    assert not Redemption.objects.exists()


def test_every_refusal_reason_has_its_sentence_and_fits_the_attempt_row():
    """The reasons live in one module (redemption_rules): each code has a French sentence and
    fits RedemptionAttempt.reason; every check in the order names a declared reason."""
    from mediation.services.redemption_rules import CHEQUE_CHECKS, MEDIATOR_CHECKS

    codes = {v for k, v in vars(Reason).items() if k.isupper() and isinstance(v, str)}
    assert codes == set(Reason.MESSAGES)
    assert all(
        len(code) <= RedemptionAttempt._meta.get_field("reason").max_length for code in codes
    )
    assert {code for code, _ in CHEQUE_CHECKS + MEDIATOR_CHECKS} <= codes
