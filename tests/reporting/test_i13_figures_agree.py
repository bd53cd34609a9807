"""Figures that agree (issue 13): each of the six shared figures has one definition
(``reporting.selectors.definitions``), and two pages showing it show the same number, on the
demo programme loaded on 2 December 2026 (the 2025 vintage has ended, its cheques expired;
four of its chequebooks are still at the Rodez desk; the CAF's stock sleeps since 90 days).

- stock at desk: the desk's two home panels, its stock page, the dashboard on that desk; the
  manager's home and the dashboard;
- to give back: the desk's home, its stock page, the dashboard on that desk; the manager's home
  and the dashboard;
- idle stock: the CAF desk's home, the dashboard's radar and its list, the front desks' table;
- to credit back and committed: the vintage page and the dashboard's budget per vintage, for
  the manager and for the EPCI coordinator (its own envelope's figures);
- paid: the mediator's home, the dashboard on that mediator and the mediators' table; the
  period filter leaves the budget as it is (cumulated to date).
"""

import pytest
from django.urls import reverse
from freezegun import freeze_time

from chequebooks.models import ChequebookState
from mediation.models import Redemption
from passnum.organisations.models import Membership, Organisation
from passnum.programme.models import Vintage
from passnum.site.demo import demo_load

pytestmark = pytest.mark.django_db

DAY = "2026-12-02 10:00"


@pytest.fixture
def demo():
    with freeze_time(DAY):
        demo_load()
        yield


def _membership(email, organisation=None):
    qs = Membership.objects.filter(user__email=email, is_active=True)
    if organisation:
        qs = qs.filter(organisation__name=organisation)
    return qs.select_related("organisation").first()


def _panel(response, template):
    return next(p for p in response.context["panels"] if p.template == template).context


def _dashboard(client, **params):
    return client.get(reverse("reporting:dashboard"), params).context


def _year(context, year):
    return next(y for y in context["budget"]["years"] if y["year"] == year)


def test_stock_at_desk_is_one_number_on_the_homes_the_stock_page_and_the_dashboard(
    demo, login, client
):
    with freeze_time(DAY):
        desk = _membership("accueil@demo.passnum.fr")
        home = login(desk).get(reverse("home"))
        in_hand = _panel(home, "chequebooks/panels/desk.html")["in_hand"]
        figures = _panel(home, "reporting/panels/front_desk_figures.html")["stock"]
        page = client.get(reverse("chequebooks:desk_stock")).context["table"]
        on_page = len(page.rows)
        manager = login(_membership("gestionnaire@demo.passnum.fr"))
        on_dashboard = _dashboard(manager, organisation=desk.organisation_id)["funnel"]
        manager_home = _panel(manager.get(reverse("home")), "chequebooks/panels/manager.html")
        whole = _dashboard(manager)["funnel"]
        coordinator = login(_membership("epci@demo.passnum.fr"))
        rows = _panel(coordinator.get(reverse("home")), "chequebooks/panels/coordinator.html")
        epci_home = sum(r["at_desks"] for r in rows["rows"])
        epci_dashboard = _dashboard(coordinator)["funnel"]["at_front_desk"]
    assert in_hand == figures == on_page == on_dashboard["at_front_desk"] > 0
    assert epci_home == epci_dashboard > 0
    assert manager_home["at_desks"] == whole["at_front_desk"] > in_hand
    # The programme's stock too: of the running vintages on both (the 2025 leftovers aside).
    assert manager_home["in_stock"] == whole["in_stock"] > 0


def test_to_give_back_is_one_number_on_the_homes_the_stock_page_and_the_dashboard(
    demo, login, client
):
    with freeze_time(DAY):
        desk = _membership("accueil@demo.passnum.fr")
        home = login(desk).get(reverse("home"))
        ended = _panel(home, "chequebooks/panels/desk.html")["ended"]
        on_page = len(client.get(reverse("chequebooks:desk_stock")).context["ended"])
        manager = login(_membership("gestionnaire@demo.passnum.fr"))
        on_dashboard = _dashboard(manager, organisation=desk.organisation_id)["funnel"]
        manager_home = _panel(manager.get(reverse("home")), "chequebooks/panels/manager.html")
        whole = _dashboard(manager)["funnel"]["to_give_back"]
    assert ended == on_page == on_dashboard["to_give_back"] == 4
    assert manager_home["to_give_back"] == whole == 4
    # Not stock any more: the 2025 chequebooks at the desk are in neither stock figure.
    assert (
        Vintage.objects.get(year=2025)
        .chequebooks.filter(state=ChequebookState.AT_FRONT_DESK, holder=desk.organisation)
        .count()
        == 4
    )


def test_idle_stock_is_one_number_on_the_desks_home_the_radar_its_list_and_the_desks_table(
    demo, login
):
    with freeze_time(DAY):
        caf = Organisation.objects.get(name="CAF de l'Aveyron – accueil de Rodez")
        agent = Membership.objects.filter(organisation=caf, is_active=True).first()
        home = login(agent).get(reverse("home"))
        at_the_desk = _panel(home, "chequebooks/panels/desk.html")["idle"]
        manager = login(_membership("gestionnaire@demo.passnum.fr"))
        dashboard = _dashboard(manager)
        on_the_radar = sum(r["stale_stock"] for r in dashboard["radar"])
        in_the_list = manager.get(reverse("reporting:radar_stock")).context["page"].paginator.count
        in_the_table = sum(r["stale_stock"] for r in dashboard["by_front_desk"])
        for_the_caf = _dashboard(manager, organisation=caf.pk)["radar"]
    assert at_the_desk == sum(r["stale_stock"] for r in for_the_caf) > 0
    assert on_the_radar == in_the_list == in_the_table == at_the_desk


@pytest.mark.parametrize("email", ["gestionnaire@demo.passnum.fr", "epci@demo.passnum.fr"])
def test_committed_and_to_credit_back_are_one_number_on_the_vintage_page_and_the_dashboard(
    demo, login, email
):
    with freeze_time(DAY):
        client = login(_membership(email))
        dashboard = _dashboard(client)
        pages = {
            year: client.get(reverse("chequebooks:vintage_reconciliation", args=[year]))
            for year in (2025, 2026)
        }
    ended, running = pages[2025].context["figures"], pages[2026].context["figures"]
    assert ended["credit_back_cents"] == _year(dashboard, 2025)["credit_back"]
    assert ended["committed_cents"] == _year(dashboard, 2025)["committed"]
    assert running["committed_cents"] == _year(dashboard, 2026)["committed"]
    assert running["credit_back_cents"] == _year(dashboard, 2026)["credit_back"] == 0
    if email.startswith("gestionnaire"):
        assert ended["credit_back_cents"] == 60 * 1000  # 6 chequebooks of 10 cheques expired
        assert "(60 chèques)" in pages[2025].content.decode()  # the journal, for its managers
        assert running["committed_cents"] > 0
    else:  # the coordinator's envelope bought no 2025 chequebook: all its figures are 0
        assert ended["credit_back_cents"] == ended["expired"] == 0
        assert "(60 chèques)" not in pages[2025].content.decode()  # the programme's journal
        assert pages[2025].context["history"] is None
    html = pages[2026].content.decode()
    assert "à recréditer" not in html and "non encore utilisés" in html
    assert "à recréditer" in pages[2025].content.decode()


def test_paid_is_one_number_on_the_mediators_home_and_the_dashboard_whatever_the_period(
    demo, login
):
    with freeze_time(DAY):
        mediator = _membership("mediateur@demo.passnum.fr")
        home = login(mediator).get(reverse("home"))
        at_home = _panel(home, "reporting/panels/mediator_figures.html")["paid_cents"]
        manager = login(_membership("gestionnaire@demo.passnum.fr"))
        on_dashboard = _dashboard(manager, organisation=mediator.organisation_id)["budget"]
        whole = _dashboard(manager)
        in_the_table = next(
            r["paid"] for r in whole["by_mediator"] if r["name"] == mediator.organisation.name
        )
        last_month = _dashboard(manager, period_start="2026-11-01", period_end="2026-11-30")
    assert at_home == on_dashboard["paid"] == in_the_table > 0
    assert Redemption.objects.filter(statement__status="paid").exists()
    # The budget is cumulated to date: a period filter changes neither paid nor committed.
    assert last_month["budget"]["paid"] == whole["budget"]["paid"]
    assert last_month["budget"]["committed"] == whole["budget"]["committed"]
