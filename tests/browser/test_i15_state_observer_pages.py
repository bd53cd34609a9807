"""Issue 15: the State observer's pages in a browser (the demo's etat@demo.passnum.fr), with
the accessibility check on each: home, dashboard, reconciliation, reports."""

import pytest

pytestmark = pytest.mark.browser


def test_the_observer_visits_its_pages(page, demo, log_in, check_a11y):
    from reporting.summaries import summaries_refresh

    summaries_refresh()
    log_in("etat@demo.passnum.fr")
    assert "lecture seule" in page.get_by_role("main").inner_text()
    check_a11y(page, "i15-observer-home")
    page.get_by_role("link", name="Tableau de bord").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Tableau de bord"
    assert page.get_by_role("button", name="Préparer l'export").count() == 0
    check_a11y(page, "i15-observer-dashboard")
    page.get_by_role("link", name="Millésimes").first.click()
    check_a11y(page, "i15-observer-vintages")
    page.get_by_role("row").nth(1).get_by_role("link").first.click()
    assert "Bilan du millésime" in page.get_by_role("heading", level=1).inner_text()
    check_a11y(page, "i15-observer-reconciliation")
    page.get_by_role("link", name="Rapports", exact=True).click()
    assert page.get_by_role("button", name="Produire le rapport").count() == 0
    check_a11y(page, "i15-observer-reports")
