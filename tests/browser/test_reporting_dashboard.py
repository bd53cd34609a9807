"""The issue's "done when": the manager opens the dashboard, filters by an EPCI, follows a
radar link, exports XLSX, produces the PDF report. Every page passes the accessibility check."""

import io
import re
from pathlib import Path

import openpyxl
import pytest

pytestmark = pytest.mark.browser


def test_manager_dashboard_radar_export_and_report(page, demo, log_in, check_a11y):
    log_in("gestionnaire@demo.passnum.fr")
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("link", name="Tableau de bord").click()
    page.wait_for_url("**/pilotage/")
    check_a11y(page, "reporting-dashboard")
    assert page.get_by_role("img", name=re.compile("Du chéquier acheté")).count() == 1

    # Filter by an EPCI.
    page.get_by_role("combobox", name=re.compile("^EPCI")).select_option(
        label="CA Rodez Agglomération"
    )
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r".*epci=\d+.*"))
    check_a11y(page, "reporting-dashboard-epci")
    # Only filtered: the residents' table of that EPCI, and the EPCI table down to its row.
    assert page.get_by_role("table", name=re.compile("^Habitants de CA Rodez")).count() == 1
    epci_rows = page.get_by_role("table", name="Par EPCI").locator("tbody tr")
    assert epci_rows.count() == 1
    assert "CA Rodez Agglomération" in epci_rows.first.inner_text()

    # Follow the radar's links: each list has as many lines as the number followed.
    page.goto("/pilotage/")
    radar = page.get_by_role("table", name=re.compile("Par millésime"))
    assert radar.count() == 1
    link = radar.get_by_role("link", name=re.compile("jamais commencés")).first
    expected = int(re.sub(r"\D", "", link.inner_text().split("chéquiers")[0]))
    link.click()
    page.wait_for_url("**/radar/non-commences/**")
    check_a11y(page, "reporting-radar-not-started")
    figures = page.locator("tbody tr td.num")
    assert sum(int(re.sub(r"\D", "", t) or 0) for t in figures.all_inner_texts()) == expected
    page.get_by_role("link", name="← Tableau de bord").click()
    radar = page.get_by_role("table", name=re.compile("Par millésime"))
    link = radar.get_by_role("link", name=re.compile("en stock depuis plus de")).first
    expected = int(re.sub(r"\D", "", link.inner_text().split("chéquiers")[0]))
    link.click()
    page.wait_for_url("**/radar/stock/**")
    check_a11y(page, "reporting-radar-stock")
    assert page.get_by_text(re.compile(rf"^{expected} chéquiers?$")).count() == 1
    page.goto("/pilotage/radar/expiration/?jours=60")
    check_a11y(page, "reporting-radar-expiring")
    page.goto("/pilotage/")
    page.get_by_role("link", name=re.compile("à relancer")).click()
    page.wait_for_url("**/radar/orientations/**")
    check_a11y(page, "reporting-radar-referrals")

    # Export a breakdown as XLSX.
    page.goto("/pilotage/")
    page.locator("section", has=page.get_by_role("heading", name="Par EPCI")).get_by_role(
        "link", name="Voir et exporter"
    ).click()
    page.wait_for_url("**/tableaux/epci/**")
    check_a11y(page, "reporting-breakdown-epci")
    on_page = page.get_by_role("table", name="Par EPCI").locator("tbody tr")
    names = [row.locator("td, th").first.inner_text() for row in on_page.all()]
    handed = [row.locator("td, th").nth(4).inner_text() for row in on_page.all()]
    with page.expect_download() as info:
        page.get_by_role("link", name="Exporter en XLSX").click()
    assert re.match(r"passnum-epci-chiffres-du-\d{8}-\d{4}\.xlsx", info.value.suggested_filename)
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    header, *rows = list(book.active.iter_rows(values_only=True))
    assert header[0] == "EPCI" and header[4] == "Remis aux habitants"
    # The file holds the page's table, row for row.
    assert names and [r[0] for r in rows] == names
    assert [str(r[4]) for r in rows] == [re.sub(r"\D", "", h) for h in handed]

    # The detailed export runs in the background; its page shows the progress.
    page.goto("/pilotage/")
    page.get_by_role("combobox", name=re.compile("^Format")).select_option("xlsx")
    page.get_by_role("button", name="Préparer l'export").click()
    page.wait_for_url(re.compile(r".*/exports/\d+/"))
    download_link = page.get_by_role("link", name="Télécharger l'export")
    download_link.wait_for()
    check_a11y(page, "reporting-export")
    with page.expect_download() as info:
        download_link.click()
    assert Path(info.value.path()).read_bytes()[:2] == b"PK"

    # Produce the periodic PDF report.
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("link", name="Rapports").click()
    page.wait_for_url("**/pilotage/rapports/")
    check_a11y(page, "reporting-reports")
    page.get_by_label("Début de la période").fill(f"{demo.current_year}-01-01")
    page.get_by_label("Fin de la période").fill(demo.today.isoformat())
    page.get_by_role("button", name="Produire le rapport").click()
    page.wait_for_url("**/pilotage/rapports/")
    check_a11y(page, "reporting-reports-done")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Télécharger le PDF")).first.click()
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "rapport d'activité" in text
    assert f"Période du 01/01/{demo.current_year} au {demo.today:%d/%m/%Y}" in text
    assert "Chéquiers achetés" in text and "Le radar" in text


def test_coordinator_dashboard_and_homes_with_figures(page, demo, log_in, check_a11y):
    log_in("epci@demo.passnum.fr")
    check_a11y(page, "reporting-home-coordinator")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Tableau de bord"
    ).click()
    page.wait_for_url("**/pilotage/")
    assert page.get_by_role("heading", name=re.compile("CA Rodez Agglomération")).count() == 1
    assert page.get_by_role("combobox", name=re.compile("^EPCI")).count() == 0
    assert page.get_by_role("combobox", name=re.compile("^Millésime")).count() == 1
    check_a11y(page, "reporting-dashboard-coordinator")

    page.context.clear_cookies()
    log_in("accueil@demo.passnum.fr")
    assert page.get_by_role("heading", name="Vos chiffres").count() == 1
    check_a11y(page, "reporting-home-front-desk")

    page.context.clear_cookies()
    log_in("mediateur@demo.passnum.fr")
    assert page.get_by_role("heading", name="Vos chiffres").count() == 1
    check_a11y(page, "reporting-home-mediator")
