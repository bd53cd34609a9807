"""Issue 15, calls for funds and payments in the figures: the dashboard's budget gains
"Appelé" and "Reçu" (the whole programme only; a vintage reads its year), the periodic report a
section."""

import datetime

import pytest
from django.urls import reverse

from passnum.programme.models import FundCall, Funder, FundPayment
from reporting.selectors import dashboard_context
from reporting.selectors.scope import Filters
from reporting.summaries import summaries_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(small):
    state = Funder.objects.get(kind=Funder.Kind.STATE)
    user = small.manager.user
    year = small.vintage.year
    FundCall.objects.create(
        funder=state, year=year, reference="A1", called_on=datetime.date(year, 1, 10),
        amount_cents=150_000_00, created_by=user,
    )  # fmt: skip
    FundCall.objects.create(
        funder=state, year=year - 1, reference="A0", called_on=datetime.date(year - 1, 1, 10),
        amount_cents=1_000_00, created_by=user,
    )  # fmt: skip
    FundPayment.objects.create(
        funder=state, year=year, reference="P1", received_on=datetime.date(year, 2, 1),
        amount_cents=120_000_00, created_by=user,
    )  # fmt: skip
    summaries_refresh(as_of=small.today)
    return state


def _row(context, funder):
    return next(r for r in context["budget"]["funders"] if r["funder"] == funder)


def test_the_budget_shows_called_and_received_per_funder(funded, small, login):
    client = login(small.manager)
    response = client.get(reverse("reporting:dashboard"))
    row = _row(response.context, funded)
    assert (row["called"], row["received"]) == (151_000_00, 120_000_00)
    epci = _row(response.context, Funder.objects.get(kind=Funder.Kind.EPCI))
    assert (epci["called"], epci["received"]) == (0, 0)
    budget = response.context["budget"]
    assert (budget["called"], budget["received"]) == (151_000_00, 120_000_00)
    html = response.content.decode()
    assert '<th scope="col" class="num">Appelé</th><th scope="col" class="num">Reçu</th>' in html
    assert "151\u00a0000,00\u00a0€" in html


def test_a_vintage_reads_its_year_and_an_epci_reads_none(funded, small):
    context = dashboard_context(Filters(vintage_id=small.vintage.pk))
    assert _row(context, funded)["called"] == 150_000_00
    context = dashboard_context(Filters(epci_id=small.epci_a.pk))
    assert _row(context, funded)["called"] is None
    assert context["funding"] is None


def test_the_periodic_report_has_the_funding_section(funded, small):
    from django.template.loader import render_to_string

    from reporting.models import Report

    context = dashboard_context(Filters(), for_pdf=True)
    report = Report(
        period_start=small.today, period_end=small.today, organisation=small.manager.organisation,
        created_by=small.manager.user,
    )  # fmt: skip
    context.update({"report": report, "generated_at": datetime.datetime.now()})
    html = render_to_string("reporting/report_pdf.html", context)
    assert "Appels de fonds et paiements reçus" in html
    assert "30\u00a0000,00\u00a0€" in html  # the balance due for the year


def test_the_dashboard_query_budget_with_funding(
    funded, small, login, django_assert_max_num_queries
):
    client = login(small.manager)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("reporting:dashboard")).status_code == 200
