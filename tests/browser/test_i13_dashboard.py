"""A dashboard a manager can scan (issue 13), on the demo, in Chromium at 1,280 px: the summary
first, a sticky in-page menu that reaches every section, empty rows and ended vintages behind
"afficher tout", wide tables that scroll inside their frame with their first column kept in
view, nothing wider than its container outside a scroll container; the manager's main menu on
one line at 1,366 px; an EPCI coordinator is offered no "Côté" filter. Screenshots saved in
tests/artifacts/ (i13-dashboard*.png)."""

import re

import pytest

pytestmark = pytest.mark.browser

#: Every visible element of <main> outside a scroll container (overflow-x auto or scroll)
#: must fit in <main>, and no element may hide (overflow hidden or clip) what it holds; the
#: page itself must not scroll sideways.
CLIPPED = """() => {
  const main = document.querySelector("main");
  const mr = main.getBoundingClientRect();
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const bad = [];
  for (const el of main.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (el.closest(".visually-hidden")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    let inScroll = false;
    for (let a = el.parentElement; a && a !== main; a = a.parentElement) {
      if (scrolls(a)) { inScroll = true; break; }
    }
    if (inScroll) continue;
    const what = el.tagName + " " + (el.innerText || "").slice(0, 40);
    if (r.right > mr.right + 1 || r.left < mr.left - 1) bad.push("sticks out: " + what);
    else if (["hidden", "clip"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      bad.push("clipped: " + what);
  }
  const page = document.documentElement.scrollWidth - window.innerWidth;
  if (page > 0) bad.push("the page scrolls sideways by " + page + " px");
  return bad;
}"""

MENU_LINES = """() => new Set([...document.querySelectorAll('.main-nav li')]
  .map((li) => Math.round(li.getBoundingClientRect().top))).size"""


def test_the_manager_scans_the_dashboard(page, demo, log_in, check_a11y):
    log_in("gestionnaire@demo.passnum.fr")
    page.goto("/pilotage/")
    check_a11y(page, "i13-dashboard")
    # The summary first: key figures, then the radar.
    headings = page.locator("main h2").all_inner_texts()
    assert headings[:2] == ["Synthèse", "Le radar : où les chéquiers restent bloqués"]
    assert page.evaluate(CLIPPED) == []

    # The in-page menu reaches every section, and stays in view once scrolled.
    menu = page.get_by_role("navigation", name="Sections du tableau de bord")
    targets = [a.get_attribute("href") for a in menu.get_by_role("link").all()]
    assert len(targets) >= 10
    for target in targets:
        assert page.locator(target).count() == 1, target
    menu.get_by_role("link", name="Mois").click()
    page.wait_for_function("() => window.scrollY > 2000")
    box = menu.bounding_box()
    assert box is not None and 0 <= box["y"] <= 2, box
    page.get_by_role("heading", name="Par mois").is_visible()

    # Empty rows and ended vintages wait behind "afficher tout".
    folds = page.locator("details.show-all")
    assert folds.count() >= 2
    ended = folds.filter(has=page.locator("summary", has_text=re.compile("millésimes? terminé")))
    assert ended.count() == 1
    hidden_table = ended.get_by_role("table")
    assert not hidden_table.is_visible()
    ended.locator("summary").click()
    assert hidden_table.is_visible()
    assert "2025" in hidden_table.inner_text()
    empty_envelopes = folds.filter(has=page.locator("summary", has_text="sans chéquier acheté"))
    assert empty_envelopes.count() == 1
    empty_envelopes.locator("summary").click()
    check_a11y(page, "i13-dashboard-all")
    assert page.evaluate(CLIPPED) == []

    # A wide table scrolls inside its frame, its first column kept in view.
    wrapper = page.get_by_role("region", name="Chéquiers par enveloppe")
    assert wrapper.evaluate("(w) => w.scrollWidth > w.clientWidth")
    assert wrapper.evaluate("(w) => getComputedStyle(w).overflowX") == "auto"
    first = wrapper.locator("tbody th").first
    before = first.bounding_box()["x"]
    wrapper.evaluate("(w) => { w.scrollLeft = w.scrollWidth; }")
    assert first.evaluate("(c) => getComputedStyle(c).position") == "sticky"
    assert abs(first.bounding_box()["x"] - before) < 1

    # The manager's main menu holds on one line at 1,366 px.
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto("/pilotage/")
    assert page.evaluate(MENU_LINES) == 1
    assert page.evaluate(CLIPPED) == []


def test_an_epci_coordinator_gets_filters_that_apply_to_it(page, demo, log_in, check_a11y):
    log_in("epci@demo.passnum.fr")
    page.goto("/pilotage/")
    check_a11y(page, "i13-dashboard-epci-coordinator")
    filters = page.get_by_role("search", name="Filtrer les chiffres")
    assert filters.get_by_role("combobox", name=re.compile("^Côté")).count() == 0
    assert filters.get_by_role("combobox", name=re.compile("^EPCI")).count() == 0
    assert filters.get_by_role("combobox", name=re.compile("^Millésime")).count() == 1
    assert page.evaluate(CLIPPED) == []
