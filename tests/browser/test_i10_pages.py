"""Issue 10 in the browser: the strict Content-Security-Policy breaks nothing (Chromium reports
no violation on the pages visited), the French error page passes the accessibility check, and
a statement whose PDF is being rendered says so, then offers it once the worker is done."""

import pytest

from mediation.models import Statement

pytestmark = pytest.mark.browser

MANAGER = "gestionnaire@demo.passnum.fr"


def _watch_csp(page) -> list[str]:
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_the_404_page_is_french_and_accessible(page, settings, transactional_db, check_a11y):
    settings.DEBUG = False
    violations = _watch_csp(page)
    response = page.goto("/cette-adresse-n-existe-pas/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page introuvable"
    check_a11y(page, "i10-404")
    assert violations == []


def test_pages_run_under_the_strict_csp_and_a_pending_statement_waits(
    page, demo, log_in, check_a11y
):
    violations = _watch_csp(page)
    log_in(MANAGER)
    for path in ("/", "/pilotage/", "/mediation/releves/", "/mediation/conventions/"):
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    statement = Statement.objects.order_by("-number").first()
    # As if the worker had not rendered it yet.
    Statement.objects.filter(pk=statement.pk).update(file="", file_sha256="")
    page.goto(f"/mediation/releves/{statement.pk}/")
    assert page.get_by_role("status").filter(has_text="en préparation").is_visible()
    check_a11y(page, "i10-statement-pending")
    # The worker renders it; the page's script notices and reloads.
    from mediation.services import statement_render

    statement_render(Statement.objects.get(pk=statement.pk))
    page.get_by_role("link", name="Télécharger le relevé (PDF)").wait_for(timeout=15_000)
    assert violations == []
