"""Browser tests: Playwright (Python) driving Debian's Chromium against the live server.

No browser is ever downloaded: the tests use /usr/bin/chromium (or PASSNUM_CHROMIUM) and are
skipped, saying so, when it is missing. ``check_a11y(page)`` runs axe-core (shipped inside the
axe-playwright-python package) and fails on any serious or critical violation.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PASSNUM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"Chromium not installed ({CHROMIUM}): apt-get install chromium"
                    )
                )


@pytest.fixture(scope="session")
def _playwright():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (set-up, assertions) are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1280, "height": 720},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db):
    """The full demo programme, as `make run` loads it."""
    from passnum.site.demo import demo_load

    return demo_load()


@pytest.fixture
def log_in(page):
    def _log_in(email, password="passnum-demo"):
        page.goto("/compte/login/")
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/")
        return page

    return _log_in


@pytest.fixture
def check_a11y():
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def _check(page, name=None):
        results = axe.run(page)
        bad = [
            v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
        ]
        if name:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        details = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} → "
            + ", ".join(str(n.get("target")) for n in v["nodes"][:5])
            for v in bad
        )
        assert not bad, f"Accessibilité ({page.url}) :\n{details}"

    return _check
