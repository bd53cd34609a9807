"""Issue 15's programme pages in a browser, with the accessibility check on each: the
front-desk types and the calls for funds (issuing one with an amount typed the French way)."""

import pytest

from passnum.programme.models import FundCall

pytestmark = pytest.mark.browser


@pytest.fixture
def foundation(transactional_db):
    from django.core.cache import cache

    from passnum.programme.demo import demo_load_foundation
    from passnum.programme.state_demo import load

    cache.clear()
    ctx = demo_load_foundation()
    load(ctx)
    return ctx


def test_a_manager_visits_the_types_and_issues_a_call_for_funds(
    page, foundation, log_in, check_a11y
):
    log_in("gestionnaire@demo.passnum.fr")
    page.goto("/programme/")
    page.get_by_role("link", name="Gérer les types d'accueil").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Types d'accueil"
    check_a11y(page, "i15-front-desk-types")
    page.get_by_role("link", name="Modifier « CAF »").click()
    check_a11y(page, "i15-front-desk-type-form")

    page.goto("/programme/")
    page.get_by_role("link", name="Appels de fonds et paiements reçus").click()
    check_a11y(page, "i15-funding")
    page.get_by_role("link", name="Émettre un appel de fonds").click()
    page.get_by_label("Financeur").select_option(label="État")
    page.get_by_label("Année").fill(str(foundation.current_year))
    page.get_by_label("Référence").fill("AF-TEST-1")
    page.get_by_label("Montant").fill("12 500,00")
    page.get_by_label("Date de l'appel").fill(f"{foundation.current_year}-03-01")
    check_a11y(page, "i15-fund-call-form")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/programme/financements/")
    assert FundCall.objects.get(reference="AF-TEST-1").amount_cents == 1_250_000
    assert page.get_by_role("row", name="AF-TEST-1").is_visible()
