"""The issue's "done when": a manager prints 20 chequebooks, downloads the file, allocates 10
to a front desk; the evaluator confirms receipt and hands one over; both PDFs carry the
expected numbers. Every page visited passes the accessibility check."""

import io
import re

import pytest
from pypdf import PdfReader

from chequebooks.models import Chequebook, ChequebookState, PrintRun
from passnum.programme.models import TargetPublic
from passnum.territory.models import Side
from tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.browser


def _pdf_text(path) -> str:
    with open(path, "rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return "\n".join(p.extract_text() for p in reader.pages)


def test_print_allocate_receive_and_hand_over(page, demo, log_in, check_a11y):
    year = demo.current_year
    msd = demo.orgs["msd_rodez"]
    evaluator = demo.users["accueil@demo.passnum.fr"]
    person = BeneficiaryFactory(
        first_name="Rose",
        last_name="Vidal",
        registered_by_organisation=msd,
        registered_by=evaluator,
        target_public=TargetPublic.objects.filter(side=Side.CD12).first(),
        commune=msd.commune,
    )

    # --- The programme manager prints 20 chequebooks.
    log_in("gestionnaire@demo.passnum.fr")
    check_a11y(page, "chequebooks-home-manager")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Chéquiers"
    ).click()
    check_a11y(page, "chequebooks-stock")
    page.get_by_role("navigation", name="Chéquiers").get_by_role("link", name="Impressions").click()
    check_a11y(page, "chequebooks-print-runs")
    page.get_by_role("link", name="Lancer une impression").click()
    check_a11y(page, "chequebooks-print-run-new")
    page.get_by_label("Millésime").select_option(label=f"Millésime {year}")
    page.get_by_label("Enveloppe").select_option(label="Enveloppe CD12")
    page.get_by_label("Nombre de chéquiers").fill("20")
    page.get_by_role("button", name="Lancer l'impression").click()
    page.wait_for_url("**/impressions/*/")
    run = PrintRun.objects.order_by("-pk").first()
    assert run.chequebook_count == 20
    page.get_by_role("link", name="Télécharger le fichier à imprimer").wait_for(timeout=120_000)
    check_a11y(page, "chequebooks-print-run-detail")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le fichier à imprimer").click()
    print_text = _pdf_text(download_info.value.path())
    for number in range(run.first_number, run.last_number + 1):
        assert f"Chéquier n° {number}" in print_text
        assert f"{number}01" in print_text and f"{number}10" in print_text
    assert len(re.findall(r"Code\s*:", print_text)) == 200

    # --- ... and allocates 10 of them to the MSD de Rodez.
    page.get_by_role("navigation", name="Chéquiers").get_by_role("link", name="Attribuer").click()
    check_a11y(page, "chequebooks-allocation")
    page.get_by_label("Enveloppe").select_option(label="Enveloppe CD12")
    page.get_by_label("Millésime").select_option(label=f"Millésime {year}")
    page.get_by_label("Accueil destinataire").select_option(label=msd.name)
    first, last = run.first_number, run.first_number + 9
    page.get_by_label("Du numéro").fill(str(first))
    page.get_by_label("Au numéro").fill(str(last))
    page.get_by_role("button", name="Attribuer").click()
    page.wait_for_url("**/cheques/stock/")
    assert "10 chéquiers attribués" in page.content()
    check_a11y(page, "chequebooks-stock-after-allocation")
    assert Chequebook.objects.filter(holder=msd, number__range=(first, last)).count() == 10
    page.get_by_role("button", name="Se déconnecter").click()

    # --- The evaluator confirms receipt and hands one over.
    log_in("accueil@demo.passnum.fr")
    check_a11y(page, "chequebooks-home-desk")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes chéquiers"
    ).click()
    check_a11y(page, "chequebooks-desk-stock")
    # The demo's ended vintage left 4 chequebooks here: listed apart, to give back.
    assert "un millésime terminé, à rendre" in page.content()
    for number in range(first, last + 1):
        page.get_by_label(f"Chéquier n° {number} (").check()
    page.get_by_role("button", name="Confirmer la réception").click()
    assert "Réception confirmée pour 10 chéquiers" in page.content()
    assert not Chequebook.objects.filter(
        holder=msd, number__range=(first, last), received_at__isnull=True
    ).exists()
    page.get_by_role("link", name=str(first), exact=True).click()
    check_a11y(page, "chequebooks-chequebook-detail")
    page.get_by_role("link", name="Remettre").click()
    check_a11y(page, "chequebooks-hand-over")
    page.get_by_label("Personne").select_option(label="VIDAL Rose (née le 17/05/1960)")
    page.get_by_role("button", name="Remettre le chéquier").click()
    assert "remis" in page.content()
    check_a11y(page, "chequebooks-chequebook-handed-out")
    book = Chequebook.objects.get(number=first)
    assert book.state == ChequebookState.HANDED_OUT and book.beneficiary == person
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Attestation de remise (PDF)").click()
    receipt_text = _pdf_text(download_info.value.path())
    assert str(first) in receipt_text and "Rose Vidal" in receipt_text
    assert f"{first}01" in receipt_text and f"{first}10" in receipt_text

    # Lookup by number, and the chequebook list, for the desk.
    page.get_by_role("navigation", name="Chéquiers").get_by_role(
        "link", name="Rechercher un chèque"
    ).click()
    page.get_by_label("Numéro du chèque ou du chéquier").fill(f"{first}03")
    page.get_by_role("button", name="Rechercher").click()
    assert "Remis" in page.content()
    check_a11y(page, "chequebooks-lookup")
    page.get_by_role("navigation", name="Chéquiers").get_by_role(
        "link", name="Tous les chéquiers"
    ).click()
    check_a11y(page, "chequebooks-list")
