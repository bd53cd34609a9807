"""Every figure of the dashboard against the small programme of conftest.py (hand-computed)."""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chequebooks.models import ChequebookState, ChequeState
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
    # Shares of the planned budget: CD12 300 000 / 1 064 920 = 28,17 %, EPCI 12,83 %,
    # State the rest. Committed 83 200 c: 23 438,4 → 23 438 and 10 673,8 → 10 674, the State
    # takes the remainder 49 088. Paid 12 480 c: 3 515,8 → 3 516, 1 601,1 → 1 601, 7 363.
    # Credited back 6 000 c: 1 690,3 → 1 690, 769,7 → 770, 3 540.
    rows = {r["funder"].kind: r for r in data["budget"]["funders"]}
    figures = {k: (r["committed"], r["paid"], r["credit_back"]) for k, r in rows.items()}
    assert figures == {
        Funder.Kind.CD12: (23_438, 3_516, 1_690),
        Funder.Kind.EPCI: (10_674, 1_601, 770),
        Funder.Kind.STATE: (49_088, 7_363, 3_540),
    }


def test_budget_shares_used_and_key_cards_as_the_page_shows_them(small, login):
    summaries_refresh(as_of=small.today)
    html = login(small.manager).get(reverse("reporting:dashboard")).content.decode()
    nb = "\u00a0"
    # Committed 832,00 € of 1 064 920,00 € = 0,078 % → "0,1 %"; bought 8 of 9 000 → 0,1 %;
    # handed out 4 of 9 000 → 0,0 %; rate 15 ÷ 38 = 39,5 %.
    assert f'<td class="num">832,00{nb}€</td>' in html
    assert f"objectif 9{nb}000 (0,1{nb}%)" in html
    assert f"0,0{nb}% de l'objectif" in html
    assert f"39,5{nb}%" in html


def test_budget_per_year_follows_the_vintage(data, small):
    years = {
        y["year"]: (y["cheques_bought"], y["committed"], y["paid"], y["credit_back"])
        for y in data["budget"]["years"]
    }
    # 80 cheques × 10,40 €; 13 paid × 9,60 €; 6 expired × 10,00 €: all of vintage V.
    assert years[small.vintage.year] == (80, 83_200, 12_480, 6_000)
    assert years[2020] == years[2021] == years[2022] == (0, 0, 0, 0)


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
    # Programme stock cb1 (cb8 is cancelled), at desk1 cb2 and cb3; rate: cb4 0 + cb7 2
    # redeemed ÷ (cb4 10 + cb7 8) handed out.
    assert (cd12["in_stock"], cd12["at_front_desk"], cd12["cancelled"]) == (1, 2, 1)
    assert cd12["rate"] == pytest.approx(2 / 18)
    epci_a = envelopes[small.epci_a.pk]
    assert epci_a["target"] == 177  # 3 000 split among 17 partners: the first 8 get 177
    assert (epci_a["bought"], epci_a["handed_out"], epci_a["started"], epci_a["full"]) == (
        2,
        2,
        2,
        1,
    )
    assert (epci_a["in_stock"], epci_a["at_front_desk"]) == (0, 0)
    assert epci_a["rate"] == pytest.approx(13 / 20)
    assert data["target"] == 9000


def test_radar_per_vintage(data, small):
    (radar,) = [r for r in data["radar"] if r["vintage"] == small.vintage]
    assert radar["stale_stock"] == 1  # cb2 (90 days), not cb3 (10 days)
    assert radar["not_started"] == 1  # cb4 (100 days, nothing redeemed)
    assert data["referrals_overdue"] == 1  # r1, 20 days > 14 (live, as its list)
    assert "overdue" not in data["referrals"]  # by state only


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
    assert (a["bought"], a["at_front_desk"], a["full"]) == (2, 0, 1)
    assert a["paid"] == 11 * 960
    assert a["rate"] == pytest.approx(13 / 20)
    assert (b["handed_out"], b["started"], b["used"], b["full"]) == (2, 1, 2, 0)
    assert b["rate"] == pytest.approx(2 / 18)  # cb4 10 + cb7 8 handed out, 2 redeemed


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
    def month(days_ago):
        return (small.today - timedelta(days=days_ago)).replace(day=1)

    # Hand-overs: cb7 200 days ago, cb4 and cb6 100 days ago, cb5 30 days ago; the 15
    # redemptions today, 13 of them paid (9,60 € each).
    expected = defaultdict(lambda: [0, 0, 0])
    expected[month(200)][0] += 1
    expected[month(100)][0] += 2
    expected[month(30)][0] += 1
    expected[month(0)][1] += 15
    expected[month(0)][2] += 13 * 960
    got = {r["month"]: [r["handed_out"], r["redeemed"], r["paid"]] for r in data["by_month"]}
    assert got == dict(expected)


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
    assert data["referrals_overdue"] == 1
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


def _hand_cd12_chequebook_to_a_resident_of(epci, small):
    """A CD12 chequebook handed out by desk1 (a CD12 desk) to a person living in ``epci``."""
    from passnum.programme.models import Envelope, TargetPublic
    from passnum.territory.models import Commune, Side
    from tests.factories import BeneficiaryFactory, HandedOutChequebookFactory

    person = BeneficiaryFactory(
        commune=Commune.objects.filter(epci=epci).first(),
        target_public=TargetPublic.objects.get(code="cd12-rsa"),
        registered_by_organisation=small.desk1,
    )
    return HandedOutChequebookFactory(
        vintage=small.vintage, envelope=Envelope.objects.get(side=Side.CD12),
        holder=small.desk1, beneficiary=person,
    )  # fmt: skip


@pytest.mark.parametrize("who", ["coordinator", "manager_filter"])
def test_an_epcis_figures_rest_on_its_envelope_residents_apart(small, who):
    _hand_cd12_chequebook_to_a_resident_of(small.epci_a, small)
    summaries_refresh(as_of=small.today)
    if who == "coordinator":
        filters = Filters(scope_epci_id=scope_epci_id(small.coordinator))
    else:
        filters = Filters(epci_id=small.epci_a.pk)
    data = dashboard_data(filters)
    # Bought, target and budget: envelope A (cb5, cb6) against its target of 177.
    assert (data["funnel"]["bought"], data["funnel"]["handed_out"], data["target"]) == (2, 2, 177)
    assert [(e["envelope"].epci_id, e["target"], e["bought"]) for e in data["envelopes"]] == [
        (small.epci_a.pk, 177, 2)
    ]
    b = data["budget"]
    # Planned: each funder's budget × 177 / 9 000 (3 000 000 → 5 900 €, 136 620 € → 2 686,86
    # €, 628 300 € → 12 356,57 €); committed 20 cheques × 10,40 €; paid 11 × 9,60 €.
    assert {r["funder"].kind: r["planned"] for r in b["funders"]} == {
        "cd12": 590_000, "epci": 268_686, "state": 1_235_657,
    }  # fmt: skip
    assert (b["planned"], b["committed"], b["paid"], b["credit_back"]) == (
        2_094_343, 20_800, 10_560, 0,
    )  # fmt: skip
    # Residents of A: cb5, cb6 and the CD12 chequebook, shown apart.
    r = data["residents"]
    assert (r["handed_out"], r["started"], r["full"], r["used"]) == (3, 2, 1, 13)
    assert r["cheques_handed_out"] == 30
    (row,) = data["by_epci"]
    assert (row["epci_id"], row["target"], row["bought"], row["handed_out"]) == (
        small.epci_a.pk, 177, 2, 3,
    )  # fmt: skip
    # The residents' block is that row's residents' columns: the two tables agree.
    assert {k: v for k, v in r.items() if k != "name"} == {k: row[k] for k in r if k != "name"}


def test_an_epci_with_nothing_handed_to_its_residents_shows_zeros(small):
    from passnum.territory.models import Epci

    summaries_refresh(as_of=small.today)
    empty = Epci.objects.exclude(pk__in=[small.epci_a.pk, small.epci_b.pk]).first()
    r = dashboard_data(Filters(epci_id=empty.pk))["residents"]
    assert r["name"] == empty.name
    assert (r["handed_out"], r["used"], r["cheques_handed_out"], r["rate"]) == (0, 0, 0, None)


def test_whole_programme_has_no_residents_block(data):
    assert data["residents"] is None


def _end_vintage(vintage, today):
    from passnum.programme.models import Vintage

    Vintage.objects.filter(pk=vintage.pk).update(
        valid_from=today - timedelta(days=400), valid_until=today - timedelta(days=1)
    )


def test_an_ended_vintage_leaves_the_radar(small):
    _end_vintage(small.vintage, small.today)
    summaries_refresh(as_of=small.today)
    data = dashboard_data(Filters(), today=small.today)
    # cb2 (stale stock) and cb4 (never started) would count were the vintage still valid.
    assert [r for r in data["radar"] if r["vintage"] == small.vintage] == []
    assert (data["funnel"]["stale_stock"], data["funnel"]["not_started"]) == (0, 0)
    from reporting.selectors import radar_not_started_by_front_desk, radar_stale_stock

    assert list(radar_stale_stock(Filters(), today=small.today)) == []
    assert radar_not_started_by_front_desk(Filters()) == []


def test_stale_stock_counts_the_live_list_so_a_hand_over_shows_at_once(small):
    summaries_refresh(as_of=small.today)
    from chequebooks.models import Chequebook
    from tests.factories import BeneficiaryFactory

    Chequebook.objects.filter(pk=small.chequebooks["cb2"].pk).update(
        state=ChequebookState.HANDED_OUT, handed_out_at=timezone.now(),
        beneficiary=BeneficiaryFactory(registered_by_organisation=small.desk1),
    )  # fmt: skip
    (radar,) = dashboard_data(Filters(), today=small.today)["radar"]
    assert radar["stale_stock"] == 0  # no refresh in between
