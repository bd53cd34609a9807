"""Issue 12 (redemption at the database's floor) and issue 11's redemption rules: the number
of SQL queries of a redemption through the whole stack, the activity date's bounds, a token
reused with other cheques, and the wrong-code budget shared by an organisation's accounts."""

import datetime
import threading

import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mediation.models import Activity, Redemption, RedemptionAttempt
from mediation.services import (
    WRONG_CODE_LIMIT,
    ChequeLine,
    code_digest,
    redemption_submit,
    wrong_code_budget,
)
from mediation.services import attempts as attempts_module
from mediation.services.redemption import TOKEN_REUSED
from mediation.services.redemption_rules import Reason
from passnum.organisations.models import Role
from tests.factories import VintageFactory, mediator_membership

from .conftest import CODE, handed_out, make_mediator

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()


def cheques_of(chequebook, n=1):
    return list(chequebook.cheques.order_by("position")[:n])


def reasons(result):
    return [a.reason for a in result.answers]


def form_data(cheques, *, tok="view-token", date=None, code=CODE):
    data = {
        "token": tok,
        "kind": "individual",
        "date": (date or timezone.localdate()).isoformat(),
        "duration_minutes": "60",
        "themes": ["email"],
        "referral": "",
        "place": "",
        "notes": "",
    }
    for i, cheque in enumerate(cheques, start=1):
        data[f"number_{i}"] = str(cheque.number)
        data[f"code_{i}"] = code
    return data


# --- Queries through the whole stack ------------------------------------------------------------


def _warm(client):
    """A first page: the session's "last seen" and the content types are then known, as for
    a mediator who has the redemption page open."""
    assert client.get(reverse("mediation:redeem")).status_code == 200
    from django.contrib.contenttypes.models import ContentType

    from chequebooks.models import Cheque

    ContentType.objects.get_for_model(Cheque)


#: Per redemption request, whatever the number of cheques: the session, the user, the
#: memberships (middleware); the account and organisation locked with the mediator's facts;
#: the cheques locked with the wrong codes spent and the token's use (both sent with BEGIN);
#: the write. Plus the transaction's BEGIN and COMMIT (in a test's own transaction: a
#: savepoint and its release).
REDEMPTION_QUERIES = 8


@pytest.mark.postgres
@pytest.mark.parametrize("count", [1, 10])
def test_a_redemption_request_runs_eight_queries_on_postgresql(
    vintage, envelope, login, settings, django_assert_num_queries, count
):
    """Under production settings (MFA required): a mediator whose role needs no MFA costs no
    query for it. 1 or 10 cheques: the same 8 queries."""
    settings.PASSNUM_REQUIRE_MFA = True
    admin = make_mediator(name="Médiation comptée")
    member = mediator_membership(organisation=admin.organisation, role=Role.MEDIATOR)
    client = login(member)
    _warm(client)
    cheques = cheques_of(handed_out(vintage, envelope), count)
    with django_assert_num_queries(REDEMPTION_QUERIES):
        response = client.post(reverse("mediation:redeem"), form_data(cheques))
    assert response.status_code == 302
    assert Redemption.objects.filter(submission__token="view-token").count() == count


@pytest.mark.postgres
def test_an_admin_with_mfa_costs_one_query_more(
    vintage, envelope, login, settings, django_assert_num_queries
):
    settings.PASSNUM_REQUIRE_MFA = True
    admin = make_mediator(name="Médiation administrée")
    Authenticator.objects.create(user=admin.user, type=Authenticator.Type.TOTP, data={})
    client = login(admin)
    _warm(client)
    data = form_data(cheques_of(handed_out(vintage, envelope)))
    with django_assert_num_queries(REDEMPTION_QUERIES + 1):
        response = client.post(reverse("mediation:redeem"), data)
    assert response.status_code == 302


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_test_transaction_a_redemption_is_eight_statements(vintage, envelope, login):
    """As in production (autocommit): the same 8, the transaction's BEGIN and COMMIT in place
    of the test's savepoint and its release."""
    client = login(make_mediator(name="Médiation autocommit"))
    _warm(client)
    data = form_data(cheques_of(handed_out(vintage, envelope), 3))
    with CaptureQueriesContext(connection) as captured:
        response = client.post(reverse("mediation:redeem"), data)
    assert response.status_code == 302
    statements = [q["sql"].strip()[:60] for q in captured]
    assert len(statements) == REDEMPTION_QUERIES, "\n".join(statements)
    assert statements[3] == "BEGIN" and statements[-1] == "COMMIT"


@pytest.mark.postgres
def test_the_redemption_statements_are_prepared_once_per_connection(
    mediator, vintage, envelope, redeem
):
    """passnum.core.db: the account lock, the cheques' lock and the write are prepared on the
    server the first time a connection runs them, then executed again without being parsed
    (three prepared statements after two redemptions of one cheque, not six), with a generic
    plan (planned once); Django's own statements are not prepared."""
    book = handed_out(vintage, envelope)
    first, second = cheques_of(book, 2)
    assert redeem([first], tok="prepared-1").ok
    assert redeem([second], tok="prepared-2").ok
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE NOT from_sql"
        )
        prepared = cursor.fetchall()
    texts = sorted(text.split()[0] + " " + text.split()[1][:9] for text, _, _ in prepared)
    assert len(prepared) == 3, texts
    assert sum("FOR NO KEY UPDATE" in text for text, _, _ in prepared) == 2
    assert sum("INSERT INTO" in text for text, _, _ in prepared) == 1
    assert all(generic == 2 and custom == 0 for _, generic, custom in prepared), prepared


@pytest.mark.postgres
def test_the_one_statement_write_leaves_what_the_orm_would(mediator, vintage, envelope, redeem):
    """The PostgreSQL write (one statement) fills every row and the journal as the portable
    path does: submission, activity and its participant, redemptions with their amounts,
    cheque states, one journal entry per cheque with its sentence's details."""
    from chequebooks.models import ChequeState
    from passnum.audit.models import JournalEntry

    book = handed_out(vintage, envelope)
    cheques = cheques_of(book, 3)
    result = redeem(cheques, tok="one-statement")
    assert result.ok
    activity = Activity.objects.get()
    assert activity == result.activity and list(activity.participants.all()) == [book.beneficiary]
    assert activity.created_by == mediator.user and activity.themes == ["email"]
    rows = Redemption.objects.order_by("cheque__number")
    assert [r.pk for r in sorted(result.redemptions, key=lambda r: r.cheque.number)] == [
        r.pk for r in rows
    ]
    assert {(r.submission.token, r.activity_id, r.mediator_net_cents) for r in rows} == {
        ("one-statement", activity.pk, vintage.mediator_net_cents)
    }
    assert {c.state for c in book.cheques.filter(pk__in=[c.pk for c in cheques])} == {
        ChequeState.REDEEMED
    }
    entries = JournalEntry.objects.filter(action="mediation.cheque.redeemed")
    assert sorted(e.target_id for e in entries) == sorted(str(c.pk) for c in cheques)
    assert {e.details["activity"] for e in entries} == {"Accompagnement individuel"}
    assert all(e.sentence for e in entries)


# --- The activity's date ----------------------------------------------------------------------


def test_an_activity_dated_before_the_hand_over_is_refused(vintage, envelope, redeem):
    handed = timezone.now() - datetime.timedelta(days=3)
    book = handed_out(vintage, envelope, handed_out_at=handed)
    before = timezone.localdate(handed) - datetime.timedelta(days=1)
    if before < vintage.valid_from:
        pytest.skip("the vintage starts later than the day before the hand-over")
    with pytest.raises(ValidationError) as refused:
        redeem(cheques_of(book), date=before)
    message = refused.value.message_dict["date"][0]
    assert "avant le" in message and f"chéquier {book.number} a été remis" in message
    assert not Redemption.objects.exists() and not Activity.objects.exists()
    assert redeem(cheques_of(book), date=timezone.localdate(handed)).ok


def test_an_activity_dated_before_the_vintage_starts_is_refused(envelope, redeem):
    year = timezone.localdate().year
    vintage = VintageFactory(year=year - 1, valid_until=timezone.localdate())
    handed = datetime.datetime(year - 2, 6, 1, 10, tzinfo=PARIS)
    book = handed_out(vintage, envelope, handed_out_at=handed)
    with pytest.raises(ValidationError) as refused:
        redeem(cheques_of(book), date=datetime.date(year - 2, 12, 31))
    assert refused.value.message_dict["date"] == [
        f"L'activité ne peut pas être datée avant le 01/01/{year - 1} : le millésime "
        f"{year - 1} commence ce jour-là."
    ]


def test_the_year_one_and_the_future_are_refused(chequebook, redeem):
    for day in (datetime.date(1, 1, 1), timezone.localdate() + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            redeem(cheques_of(chequebook), date=day)
        assert "date" in refused.value.message_dict
    assert not Redemption.objects.exists()


def test_the_page_shows_the_date_refusal_next_to_the_date(mediator, vintage, envelope, login):
    handed = timezone.now() - datetime.timedelta(days=2)
    book = handed_out(vintage, envelope, handed_out_at=handed)
    before = timezone.localdate(handed) - datetime.timedelta(days=1)
    if before < vintage.valid_from:
        pytest.skip("the vintage starts later than the day before the hand-over")
    client = login(mediator)
    response = client.post(reverse("mediation:redeem"), form_data(cheques_of(book), date=before))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "date" in errors and "a été remis" in errors["date"][0]
    assert not Redemption.objects.exists()


@pytest.mark.postgres
def test_date_bounds_hold_on_postgresql(vintage, envelope, redeem):
    handed = timezone.now() - datetime.timedelta(days=1)
    book = handed_out(vintage, envelope, handed_out_at=handed)
    with pytest.raises(ValidationError):
        redeem(cheques_of(book), date=datetime.date(1, 1, 1))
    with pytest.raises(ValidationError):
        redeem(cheques_of(book), date=timezone.localdate(handed) - datetime.timedelta(days=1))
    assert not Redemption.objects.exists() and not RedemptionAttempt.objects.exists()


# --- The submission token -----------------------------------------------------------------------


def test_a_token_reused_with_other_cheques_is_refused(chequebook, redeem):
    first, second = cheques_of(chequebook, 2)
    assert redeem([first], tok="used-once").ok
    with pytest.raises(ValidationError) as refused:
        redeem([second], tok="used-once")
    assert refused.value.messages == [TOKEN_REUSED]
    with pytest.raises(ValidationError):
        redeem([first, second], tok="used-once")
    with pytest.raises(ValidationError):
        redeem([first, ChequeLine("²", CODE)], tok="used-once")
    assert Redemption.objects.count() == 1 and Activity.objects.count() == 1
    again = redeem([first], tok="used-once")  # the same cheque: the first result
    assert again.ok and again.replayed


def test_the_page_says_a_reused_token_was_for_other_cheques(mediator, chequebook, login):
    first, second = cheques_of(chequebook, 2)
    client = login(mediator)
    url = reverse("mediation:redeem")
    assert client.post(url, form_data([first], tok="page-token")).status_code == 302
    response = client.post(url, form_data([second], tok="page-token"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [TOKEN_REUSED]
    assert "déjà été enregistrée avec d&#x27;autres chèques" in response.content.decode()
    assert Redemption.objects.count() == 1


# --- Wrong codes: one budget per organisation ---------------------------------------------------


def test_three_accounts_of_one_organisation_share_one_budget(
    mediator, vintage, envelope, redeem, monkeypatch
):
    monkeypatch.setattr(attempts_module, "WRONG_CODE_ORGANISATION_LIMIT", 2 * WRONG_CODE_LIMIT)
    colleagues = [
        mediator_membership(organisation=mediator.organisation, role=Role.MEDIATOR)
        for _ in range(2)
    ]
    book = handed_out(vintage, envelope)
    cheques = cheques_of(book, 10)
    first = redeem(cheques[:WRONG_CODE_LIMIT], code="WRONGONE", kind="workshop")
    assert reasons(first) == [Reason.WRONG_CODE] * WRONG_CODE_LIMIT
    second = redeem(
        cheques[:WRONG_CODE_LIMIT], code="WRONGTWO", kind="workshop", membership=colleagues[0]
    )
    assert reasons(second) == [Reason.WRONG_CODE] * WRONG_CODE_LIMIT
    # The third account has typed nothing wrong, but its organisation's budget is spent.
    third = redeem(cheques[:1], membership=colleagues[1])
    assert reasons(third) == [Reason.THROTTLED]
    assert "votre structure" in third.answers[0].message
    assert not Redemption.objects.exists()
    # Another organisation's account is not concerned.
    assert redeem(cheques[:1], membership=make_mediator(name="Voisine")).ok


def test_the_organisation_limit_is_a_setting(mediator, chequebook, redeem, monkeypatch):
    monkeypatch.setattr(attempts_module, "WRONG_CODE_ORGANISATION_LIMIT", 2)
    colleague = mediator_membership(organisation=mediator.organisation, role=Role.MEDIATOR)
    cheque = cheques_of(chequebook)[0]
    assert reasons(redeem([cheque], code="WRONGONE")) == [Reason.WRONG_CODE]
    assert reasons(redeem([cheque], code="WRONGTWO", membership=colleague)) == [Reason.WRONG_CODE]
    assert reasons(redeem([cheque], membership=colleague)) == [Reason.THROTTLED]


def test_the_public_budget_counts_what_other_pages_record(mediator, chequebook, monkeypatch):
    """wrong_code_budget and attempts_record: what a page checking a code without redeeming
    it calls, against the same limits."""
    from django.db import transaction

    from mediation.services import ChequeAnswer, attempts_record

    monkeypatch.setattr(attempts_module, "WRONG_CODE_ORGANISATION_LIMIT", 3)
    cheque = cheques_of(chequebook)[0]
    colleague = mediator_membership(organisation=mediator.organisation, role=Role.MEDIATOR)
    with transaction.atomic():
        budget = wrong_code_budget(mediator, token="check-1")
        assert budget.remaining == 3 and not budget.exhausted
        answers = [
            ChequeAnswer(
                typed=str(cheque.number),
                number=cheque.number,
                cheque=cheque,
                reason=Reason.WRONG_CODE,
                code_digest=code_digest(code),
            )
            for code in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC")
        ]
        attempts_record(answers, organisation=mediator.organisation, user=mediator.user, token="c")
    assert wrong_code_budget(colleague).exhausted
    assert wrong_code_budget(mediator, token="c").counted  # a retry of the same check


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_race_accounts_of_one_organisation_share_the_budget_in_parallel(
    vintage, envelope, monkeypatch
):
    """Six accounts of one organisation, each sending five wrong codes at once: together
    they try WRONG_CODE_ORGANISATION_LIMIT codes (the organisation's row is locked)."""
    limit = 7
    monkeypatch.setattr(attempts_module, "WRONG_CODE_ORGANISATION_LIMIT", limit)
    admin = make_mediator(name="Devineurs associés")
    accounts = [admin] + [
        mediator_membership(organisation=admin.organisation, role=Role.MEDIATOR) for _ in range(5)
    ]
    books = [handed_out(vintage, envelope) for _ in accounts]
    barrier = threading.Barrier(len(accounts))
    results, errors = [], []

    def attempt(membership, book):
        try:
            barrier.wait()
            results.append(
                redemption_submit(
                    membership=membership,
                    token=f"org-guess-{book.pk}",
                    lines=[ChequeLine(str(c.number), "WRONGONE") for c in cheques_of(book, 5)],
                    kind="workshop",
                    date=timezone.localdate(),
                    duration_minutes=30,
                    themes=[],
                )
            )
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(m, b)) for m, b in zip(accounts, books, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    tried = [r for result in results for r in reasons(result)]
    assert tried.count(Reason.WRONG_CODE) == limit
    assert tried.count(Reason.THROTTLED) == 30 - limit
    assert RedemptionAttempt.objects.filter(reason=Reason.WRONG_CODE).count() == limit


def test_a_superscript_digit_is_an_unreadable_line_not_a_crash(chequebook, redeem):
    assert reasons(redeem([ChequeLine("²", CODE)])) == [Reason.MALFORMED]


def test_an_unknown_number_only_still_respects_the_spent_budget(mediator, chequebook, redeem):
    """Without any known cheque the budget is read on its own: a throttled account is told
    so, as before."""
    cheque = cheques_of(chequebook)[0]
    for _ in range(WRONG_CODE_LIMIT):
        redeem([cheque], code="WRONGONE")
    assert reasons(redeem([ChequeLine("99999999", CODE)])) == [Reason.THROTTLED]


@pytest.mark.postgres
def test_the_statements_compiled_once_bind_what_the_orm_would_write(mediator):
    """The redemption's reads on PostgreSQL reuse the rules' querysets compiled once with
    stand-in values: bound with a request's values they give the SQL and parameters the ORM
    gives for those values."""
    from mediation.services.attempts import wrong_codes_spent_querysets
    from mediation.services.redemption import _STANDINS, _earlier_submission, _Fragment
    from mediation.services.redemption_rules import mediator_facts_querysets

    values = {
        "user_id": mediator.user_id,
        "organisation_id": mediator.organisation_id,
        "day": timezone.localdate(),
        "since": timezone.now() - datetime.timedelta(minutes=15),
        "token": "un-jeton",
        "whole_token": "un-jeton-entier",
    }

    def querysets(v):
        return {
            **mediator_facts_querysets(v["organisation_id"], v["day"]),
            **wrong_codes_spent_querysets(
                user_id=v["user_id"],
                organisation_id=v["organisation_id"],
                token=v["token"],
                since=v["since"],
            ),
            "earlier": _earlier_submission(v["whole_token"]),
        }

    compiled, real = querysets(_STANDINS), querysets(values)
    for name, queryset in real.items():
        fragment = _Fragment(compiled[name], _STANDINS)
        sql, params = queryset.query.sql_with_params()
        assert fragment.sql == sql, name
        assert fragment.bind(values) == list(params), name
