import pytest

from passnum.programme.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.browser


def test_login_page_is_accessible(page, check_a11y, transactional_db):
    page.goto("/compte/login/")
    assert page.get_by_role("heading", level=1).inner_text() == "Se connecter"
    check_a11y(page, "login")


@pytest.mark.parametrize("email,org_key", [(a[0], a[3]) for a in DEMO_ACCOUNTS])
def test_each_demo_account_reaches_its_home(page, demo, log_in, check_a11y, email, org_key):
    log_in(email)
    organisation = demo.orgs[org_key]
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bonjour")
    assert organisation.name in page.content().replace("&#x27;", "'")
    check_a11y(page, f"home-{email.split('@')[0]}")
