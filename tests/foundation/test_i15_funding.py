"""Issue 15, calls for funds and payments received: per funder and year, amounts typed the
French way and kept in cents, the call's PDF, the balance due, the journal."""

import datetime

import pytest
from django.urls import reverse

from passnum.audit.models import JournalEntry
from passnum.programme.models import FundCall, Funder, FundPayment
from passnum.programme.selectors import funding_balance, funding_by_funder_year
from tests.factories import evaluator_membership, manager_membership

pytestmark = pytest.mark.django_db

YEAR_REFUSED = "Choisissez une année du programme (2020 à 2023) ou d'un de ses millésimes."


@pytest.fixture
def state(reference_data):
    return Funder.objects.get(kind=Funder.Kind.STATE)


def _call(client, state, **data):
    return client.post(
        reverse("programme:fund_call_new"),
        {"funder": state.pk, "year": 2021, "reference": "AF-2021-1",
         "called_on": "2021-03-01", "amount_cents": "150 000,50", "label": "1re tranche",
         **data},
    )  # fmt: skip


def test_a_manager_issues_a_call_with_its_pdf_journaled(client, login, state):
    manager = manager_membership()
    login(manager)
    response = _call(client, state)
    assert response.url == reverse("programme:funding")
    call = FundCall.objects.get()
    assert (call.amount_cents, call.year, call.reference) == (15_000_050, 2021, "AF-2021-1")
    pdf = b"".join(client.get(reverse("programme:fund_call_pdf", args=[call.pk])).streaming_content)
    assert pdf.startswith(b"%PDF") and len(call.sha256) == 64
    entry = JournalEntry.objects.get(action="programme.fund_call.issued")
    assert "150\u00a0000,50\u00a0€" in entry.sentence and state.name in entry.sentence


def test_payments_bring_the_balance_due_down(client, login, state):
    login(manager_membership())
    _call(client, state)
    response = client.post(
        reverse("programme:fund_payment_new"),
        {"funder": state.pk, "year": 2021, "reference": "VIR-1", "received_on": "2021-04-02",
         "amount_cents": "100 000"},
    )  # fmt: skip
    assert response.url == reverse("programme:funding")
    assert FundPayment.objects.get().amount_cents == 10_000_000
    balance = funding_balance(funder=state, year=2021)
    assert (balance["called"], balance["received"], balance["balance"]) == (
        15_000_050,
        10_000_000,
        5_000_050,
    )
    assert JournalEntry.objects.filter(action="programme.fund_payment.recorded").count() == 1
    page = client.get(reverse("programme:funding")).content.decode()
    assert "50\u00a0000,50\u00a0€" in page  # the balance due


def test_figures_are_per_funder_and_year(state):
    manager = manager_membership()
    epci = Funder.objects.get(kind=Funder.Kind.EPCI)
    for funder, year, amount in [(state, 2021, 100), (state, 2022, 200), (epci, 2021, 50)]:
        FundCall.objects.create(
            funder=funder, year=year, reference=f"R{year}{funder.pk}",
            called_on=datetime.date(year, 1, 1), amount_cents=amount, created_by=manager.user,
        )  # fmt: skip
    FundPayment.objects.create(
        funder=state, year=2022, reference="P", received_on=datetime.date(2022, 2, 1),
        amount_cents=250, created_by=manager.user,
    )  # fmt: skip
    rows = [(r["funder_id"], r["year"], r["called"], r["received"], r["balance"])
            for r in funding_by_funder_year()]  # fmt: skip
    assert sorted(rows) == sorted(
        [(state.pk, 2021, 100, 0, 100), (state.pk, 2022, 200, 250, -50), (epci.pk, 2021, 50, 0, 50)]
    )


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"amount_cents": "0"}, "amount_cents", "Le montant doit être supérieur à zéro."),
        ({"amount_cents": "-5,00"}, "amount_cents", "Le montant doit être supérieur à zéro."),
        ({"amount_cents": "douze"}, "amount_cents", None),
        ({"year": 1999}, "year", None),
        ({"year": 2035}, "year", YEAR_REFUSED),
    ],
)
def test_bad_input_is_refused_next_to_its_field_nothing_written(
    client, login, state, data, field, message
):
    login(manager_membership())
    response = _call(client, state, **data)
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    if message:
        assert errors == [message]
    assert not FundCall.objects.exists()
    assert not JournalEntry.objects.filter(action="programme.fund_call.issued").exists()


def test_a_reference_is_used_once_per_funder(client, login, state):
    login(manager_membership())
    _call(client, state)
    response = _call(client, state, reference="af-2021-1")
    assert response.context["form"].errors["reference"] == [
        "Cette référence est déjà utilisée pour ce financeur."
    ]
    assert FundCall.objects.count() == 1


def test_only_managers_and_a_guessed_id_is_a_404(client, login, state):
    login(manager_membership())
    _call(client, state)
    call = FundCall.objects.get()
    assert client.get(reverse("programme:fund_call_pdf", args=[call.pk + 1])).status_code == 404
    login(evaluator_membership())
    assert client.get(reverse("programme:funding")).status_code == 404
    assert client.get(reverse("programme:fund_call_pdf", args=[call.pk])).status_code == 404
    assert _call(client, state, reference="autre").status_code == 404
    assert FundCall.objects.count() == 1


def test_the_funding_page_query_budget(client, login, state, django_assert_max_num_queries):
    manager = manager_membership()
    login(manager)
    for i in range(5):
        FundCall.objects.create(
            funder=state, year=2021, reference=f"R{i}", called_on=datetime.date(2021, 1, 1),
            amount_cents=100, created_by=manager.user,
        )  # fmt: skip
        FundPayment.objects.create(
            funder=state, year=2021, reference=f"P{i}", received_on=datetime.date(2021, 1, 2),
            amount_cents=100, created_by=manager.user,
        )  # fmt: skip
    with django_assert_max_num_queries(12):
        assert client.get(reverse("programme:funding")).status_code == 200
