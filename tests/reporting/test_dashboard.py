"""Every figure of the dashboard against the small programme of conftest.py (hand-computed)."""

import pytest

from chequebooks.models import ChequeState
from passnum.programme.models import BudgetLine, Funder
from reporting.selectors import Filters, dashboard_data, scope_epci_id
from reporting.summaries import summaries_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(small):
    summaries_refresh(as_of=small.today)
    return dashboard_data(Filters(), today=small.today)


def test_funnel_counts_chequebooks_by_where_they_are(data):
    f = data["funnel"]
    assert f["bought"] == 8  # cb1..cb8, the cancelled one included
    assert f["cheques_bought"] == 80
    assert f["in_stock"] == 1  # cb1
    assert f["at_front_desk"] == 2  # cb2, cb3
    assert f["cancelled"] == 1  # cb8
    assert f["handed_out"] == 4  # cb4..cb7
    assert f["started"] == 3  # cb5 (3 used), cb6 (10), cb7 (2)
    assert f["full"] == 1  # cb6


def test_redemption_rate_is_redeemed_over_ever_handed_out_cheques(data):
    f = data["funnel"]
    # Redeemed, on a statement or paid: 3 (cb5) + 10 (cb6) + 2 (cb7).
    assert f["used"] == 15
    # cb4 10 in hand; cb5 7 in hand + 3 used; cb6 10 used; cb7 2 used + 6 expired (2 opposed
    # cheques left out).
    assert f["cheques_handed_out"] == 38
    assert f["expired_after_handover"] == 6
    assert f["rate"] == pytest.approx(15 / 38)


def test_budget_committed_paid_and_credited_back(data, small):
    b = data["budget"]
    cost = small.vintage.commissioner_cost_cents
    assert b["committed"] == 80 * cost
    # Paid statements only: 1 (cb5) + 10 (cb6) + 2 (cb7) at the vintage's mediator net.
    assert b["paid"] == 13 * small.vintage.mediator_net_cents
    assert b["credit_back"] == 6 * small.vintage.face_value_cents
    planned = {row["funder"].kind: row["planned"] for row in b["funders"]}
    assert planned == {
        Funder.Kind.CD12: 300_000_00,
        Funder.Kind.EPCI: 136_620_00,
        Funder.Kind.STATE: 628_300_00,
    }
    assert b["planned"] == 1_064_920_00


def test_funders_share_committed_pro_rata_of_planned_budget(data):
    b = data["budget"]
    assert sum(r["committed"] for r in b["funders"]) == b["committed"]
    assert sum(r["paid"] for r in b["funders"]) == b["paid"]
    for row in b["funders"]:
        expected = b["committed"] * row["planned"] / b["planned"]
        assert abs(row["committed"] - expected) <= 1


def test_budget_per_year_follows_the_vintage(data, small):
    years = {y["year"]: y for y in data["budget"]["years"]}
    assert years[small.vintage.year]["committed"] == data["budget"]["committed"]
    assert years[2020]["committed"] == 0


def test_budget_lines_of_one_year_show_as_planned_for_that_year(small):
    funder = Funder.objects.get(kind=Funder.Kind.STATE)
    BudgetLine.objects.create(funder=funder, label="Tranche 2021", year=2021, amount_cents=5000)
    summaries_refresh(as_of=small.today)
    years = {y["year"]: y for y in dashboard_data(Filters())["budget"]["years"]}
    assert years[2021]["planned"] == 5000


def test_envelopes_against_their_target(data, small):
    envelopes = {e["envelope"].epci_id: e for e in data["envelopes"]}
    cd12 = envelopes[None]
    assert cd12["target"] == 6000
    assert (cd12["bought"], cd12["handed_out"], cd12["started"]) == (6, 2, 1)
    epci_a = envelopes[small.epci_a.pk]
    assert (epci_a["bought"], epci_a["handed_out"], epci_a["started"], epci_a["full"]) == (
        2,
        2,
        2,
        1,
    )
    assert data["target"] == 9000


def test_radar_per_vintage(data, small):
    (radar,) = [r for r in data["radar"] if r["vintage"] == small.vintage]
    assert radar["stale_stock"] == 1  # cb2 (90 days), not cb3 (10 days)
    assert radar["not_started"] == 1  # cb4 (100 days, nothing redeemed)
    assert data["referrals"]["overdue"] == 1  # r1, 20 days > 14


def test_radar_counts_cheques_expiring_soon(small):
    summaries_refresh(as_of=small.today)
    from datetime import timedelta

    today = small.vintage.valid_until - timedelta(days=20)
    (radar,) = dashboard_data(Filters(), today=today)["radar"]
    expiring = {e["days"]: e["cheques"] for e in radar["expiring"]}
    # Unused: cb1 10 + cb2 10 + cb3 10 + cb4 10 + cb5 7.
    assert expiring == {30: 47, 60: 47}
    today = small.vintage.valid_until - timedelta(days=45)
    (radar,) = dashboard_data(Filters(), today=today)["radar"]
    assert {e["days"]: e["cheques"] for e in radar["expiring"]} == {30: 0, 60: 47}


def test_thresholds_are_settings(small, settings):
    settings.PASSNUM_RADAR_STOCK_DAYS = 5
    summaries_refresh(as_of=small.today)
    (radar,) = dashboard_data(Filters())["radar"]
    assert radar["stale_stock"] == 2  # cb3 (10 days) counts too


def test_breakdown_by_epci_of_the_persons_commune(data, small):
    rows = {r["epci_id"]: r for r in data["by_epci"]}
    a, b = rows[small.epci_a.pk], rows[small.epci_b.pk]
    assert (a["handed_out"], a["started"], a["used"], a["cheques_handed_out"]) == (2, 2, 13, 20)
    assert a["bought"] == 2
    assert a["paid"] == 11 * small.vintage.mediator_net_cents
    assert (b["handed_out"], b["started"], b["used"]) == (2, 1, 2)


def test_breakdown_by_public(data):
    rows = {r["name"]: r for r in data["by_public"]}
    rsa = rows["Bénéficiaires du RSA"]
    families = rows["Familles"]
    assert (rsa["handed_out"], rsa["started"], rsa["full"], rsa["used"]) == (2, 1, 0, 2)
    assert (families["handed_out"], families["started"], families["full"]) == (2, 2, 1)


def test_breakdown_by_front_desk(data, small):
    rows = {r["organisation_id"]: r for r in data["by_front_desk"]}
    d1, d2 = rows[small.desk1.pk], rows[small.desk2.pk]
    assert (d1["at_front_desk"], d1["stale_stock"], d1["handed_out"], d1["not_started"]) == (
        2,
        1,
        2,
        1,
    )
    assert (d2["handed_out"], d2["started"], d2["used"]) == (2, 2, 13)


def test_breakdown_by_mediator(data, small):
    (row,) = data["by_mediator"]
    assert row["organisation_id"] == small.mediator.pk
    assert (row["referrals"], row["accepted"], row["overdue"]) == (3, 1, 1)
    assert row["redemptions"] == 15
    assert row["paid"] == 13 * small.vintage.mediator_net_cents


def test_breakdown_by_month(data, small):
    assert sum(r["handed_out"] for r in data["by_month"]) == 4
    assert sum(r["redeemed"] for r in data["by_month"]) == 15
    month = small.today.replace(day=1)
    this_month = {r["month"]: r for r in data["by_month"]}[month]
    assert this_month["redeemed"] == 15  # every redemption was recorded today


def test_period_restricts_hand_overs_and_redemptions(small):
    from datetime import timedelta

    summaries_refresh(as_of=small.today)
    start = (small.today - timedelta(days=40)).replace(day=1)
    months = dashboard_data(Filters(period_start=start))["by_month"]
    assert all(r["month"] >= start for r in months)
    assert sum(r["redeemed"] for r in months) == 15


def test_autonomy_levels_at_first_assessment_and_gain(data):
    levels = {r["level"]: r for r in data["levels"]}
    assert levels["Débutant"]["people"] == 1  # ben1's first assessment, not the later one
    assert "Intermédiaire" not in levels
    assert levels["Autonome"]["people"] == 1
    assert data["gain"] == {"people": 2, "reassessed": 1, "average": 5.0}


def test_filter_by_vintage_and_side(small):
    summaries_refresh(as_of=small.today)
    assert dashboard_data(Filters(vintage_id=small.vintage.pk))["funnel"]["bought"] == 8
    from passnum.programme.models import Vintage

    other = Vintage.objects.get(year=2020)
    assert dashboard_data(Filters(vintage_id=other.pk))["funnel"].get("bought", 0) == 0
    assert dashboard_data(Filters(side="epci"))["funnel"]["bought"] == 2


def test_filter_by_organisation(small):
    summaries_refresh(as_of=small.today)
    f = dashboard_data(Filters(organisation_id=small.desk2.pk))["funnel"]
    assert (f["bought"], f["handed_out"], f["used"]) == (2, 2, 13)


def test_epci_coordinator_sees_only_its_epci(small):
    summaries_refresh(as_of=small.today)
    filters = Filters(scope_epci_id=scope_epci_id(small.coordinator))
    data = dashboard_data(filters)
    f = data["funnel"]
    # EPCI A: its envelope (cb5, cb6), its desk (desk2), its communes (ben2, ben3).
    assert (f["bought"], f["handed_out"], f["started"], f["full"]) == (2, 2, 2, 1)
    assert f["used"] == 13
    assert f["rate"] == pytest.approx(13 / 20)
    assert [e["envelope"].epci_id for e in data["envelopes"]] == [small.epci_a.pk]
    assert {r["epci_id"] for r in data["by_epci"]} == {small.epci_a.pk}
    # r1 came from desk1 for a person of B, but to a place in A: it is A's to follow up.
    assert data["referrals"]["overdue"] == 1
    assert data["referrals"]["proposed"] == 2


def test_figures_follow_the_data_after_a_refresh(small):
    summaries_refresh(as_of=small.today)
    before = dashboard_data(Filters())["funnel"]["used"]
    cheque = small.chequebooks["cb4"].cheques.first()
    cheque.state = ChequeState.REDEEMED
    cheque.save()
    summaries_refresh(as_of=small.today)
    after = dashboard_data(Filters())["funnel"]
    assert after["used"] == before + 1
    assert after["not_started"] == 0
