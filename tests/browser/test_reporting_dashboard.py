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
    assert page.get_by_role("heading", name="Par EPCI").count() == 1

    # Follow a radar link (the not-started chequebooks of the first vintage listed, or the
    # referrals to follow up when the filtered programme has no chequebook).
    page.goto("/pilotage/")
    radar = page.get_by_role("table", name=re.compile("Par millésime"))
    if radar.count():
        radar.get_by_role("link", name=re.compile("jamais commencés")).first.click()
        page.wait_for_url("**/radar/non-commences/**")
        check_a11y(page, "reporting-radar-not-started")
        page.get_by_role("link", name="← Tableau de bord").click()
        radar = page.get_by_role("table", name=re.compile("Par millésime"))
        radar.get_by_role("link", name=re.compile("stock ancien")).first.click()
        page.wait_for_url("**/radar/stock/**")
        check_a11y(page, "reporting-radar-stock")
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
    with page.expect_download() as info:
        page.get_by_role("link", name="Exporter en XLSX").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    header = next(book.active.iter_rows(values_only=True))
    assert "Taux d'utilisation" in header

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
    assert Path(info.value.path()).read_bytes()[:4] == b"%PDF"


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
