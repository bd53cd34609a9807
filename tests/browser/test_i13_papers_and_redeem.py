"""Issue 13 in a browser: the front desk's flow ends on step 5 with both papers (the referral
sheet and the hand-over receipt), each PDF's first page is kept as a picture; then the
mediator, on a 390 px wide phone, redeems from the person's referral page: the form starts
from the referral, a refused form puts its error summary first and in focus, links to each
field, and answers the cheques; the success message comes before the next action. Axe on
every page; screenshots in tests/artifacts/."""

import re

import pytest

from tests.pdf_pages import pdf_pages

pytestmark = pytest.mark.browser

FIRST, LAST = "Odette", "Papiers-Deux"
PHONE = {"width": 390, "height": 844}


def _no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url}: {width} px wide"


def test_front_desk_papers_then_a_redemption_from_the_referral_on_a_phone(
    page, demo, log_in, check_a11y, tmp_path
):
    from chequebooks.demo import demo_cheque_code
    from chequebooks.models import Chequebook, ChequebookState
    from mediation.models import Redemption
    from orientation.models import Referral
    from passnum.directory.models import Place
    from passnum.programme.models import TargetPublic

    desk = demo.orgs["ccas_rodez"]
    number = (
        Chequebook.objects.filter(holder=desk, state=ChequebookState.AT_FRONT_DESK)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    place = Place.objects.filter(organisation=demo.orgs["med_rouergue"], is_active=True).first()
    public = TargetPublic.objects.get(code="epci-ages-hors-apa")

    # The front desk's four submissions.
    log_in("accueil.epci@demo.passnum.fr")
    page.goto("/orientation/nouvelle-personne/")
    page.get_by_label("Prénom").fill(FIRST)
    page.get_by_label("Nom", exact=True).fill(LAST)
    page.get_by_label("Date de naissance").fill("1950-03-01")
    page.get_by_label("Commune de résidence").fill("Rodez (12000)")
    page.get_by_label("Téléphone").fill("0611223344")
    page.locator(f"input[name=target_public][value='{public.pk}']").check()
    page.locator("input[name=consent_given]").check()
    page.get_by_role("button", name=re.compile("Enregistrer et passer")).click()
    page.wait_for_url("**/evaluation/")
    for group in page.locator("form.assessment-form fieldset").all():
        group.locator("input[type=radio]").first.check()
    page.locator("form.assessment-form button[type=submit]").click()
    page.wait_for_url("**/cheque/")
    page.locator("input[name=chequebook_number]").fill(str(number))
    page.locator("input[name=chequebook_number]").press("Enter")
    page.wait_for_url("**/orientation/parcours/*/orientation/")
    check_a11y(page, "i13-4-referral")
    page.locator("select[name=service]").select_option("tous")
    page.get_by_role("button", name="Filtrer").click()
    page.locator(f"#place-{place.pk}").check()
    page.get_by_role("button", name="Orienter vers ce lieu").click()

    # Step 5: both papers, side by side.
    page.wait_for_url(re.compile(r".*/orientation/orientations/\d+/$"))
    check_a11y(page, "i13-5-papers")
    papers = page.locator("ul.papers")
    sheet = papers.get_by_role("link", name="Télécharger la fiche d'orientation (PDF)")
    receipt = papers.get_by_role("link", name="Télécharger l'attestation de remise (PDF)")
    assert sheet.is_visible() and receipt.is_visible()
    sheet_box, receipt_box = sheet.bounding_box(), receipt.bounding_box()
    assert abs(sheet_box["y"] - receipt_box["y"]) < 5  # side by side at 1 280 px
    for link, name in ((sheet, "i13-pdf-referral-sheet"), (receipt, "i13-pdf-receipt")):
        with page.expect_download() as info:
            link.click()
        path = tmp_path / f"{name}.pdf"
        info.value.save_as(path)
        pages, text = pdf_pages(path.read_bytes(), name)
        assert "Conseil départemental de l'Aveyron" in text  # the issuer
        if name.endswith("sheet"):
            assert pages == 1, "the referral sheet fits one page"
    referral = Referral.objects.get(beneficiary__last_name=LAST)
    book = referral.chequebook
    assert book.number == number

    # The person's page: both papers again, the chequebook linked, the hand-over in the history.
    page.goto(f"/orientation/personnes/{referral.beneficiary_id}/")
    check_a11y(page, "i13-person-papers")
    # The skip link shows nothing (not even a border) until the keyboard reaches it.
    skip = page.locator("a.skip-link")
    assert skip.bounding_box()["width"] <= 1 and skip.bounding_box()["height"] <= 1
    skip.focus()
    assert skip.bounding_box()["width"] > 50
    assert page.locator("ul.papers a").count() == 2
    assert "a remis le chéquier" in page.content()
    page.get_by_role("link", name=f"Chéquier n° {number}", exact=True).click()
    assert "Remise à la personne" in page.locator("ul.todo-list").last.inner_text() or (
        "Remise à la personne" in page.content()
    )
    check_a11y(page, "i13-chequebook-movements")
    page.get_by_role("button", name="Se déconnecter").click()

    # The mediator, on a phone, from the referral's page.
    page.set_viewport_size(PHONE)
    log_in("mediateur@demo.passnum.fr")
    page.goto(f"/orientation/orientations-recues/{referral.pk}/")
    check_a11y(page, "i13-phone-referral")
    _no_horizontal_scroll(page)
    page.get_by_role("link", name="Encaisser pour cette personne").click()
    page.wait_for_url(re.compile(r".*/mediation/encaisser/\?orientation=\d+$"))
    check_a11y(page, "i13-phone-redeem")
    _no_horizontal_scroll(page)
    form_referral = page.get_by_label("Orientation à laquelle cette activité répond")
    assert form_referral.input_value() == str(referral.pk)
    assert page.locator("select[name=place]").input_value() == str(place.pk)
    # No theme, one good cheque and one wrong code: refused, summary first and in focus.
    for box in page.locator("input[name=themes]").all():
        box.uncheck()
    first, second = book.cheques.order_by("position")[:2]
    page.get_by_label("Chèque 1 : numéro ou QR code").fill(str(first.number))
    page.get_by_label("Chèque 1 : code de sécurité").fill(demo_cheque_code(first.number))
    page.get_by_label("Chèque 2 : numéro ou QR code").fill(str(second.number))
    page.get_by_label("Chèque 2 : code de sécurité").fill("AAAAAAAA")
    page.get_by_role("button", name="Encaisser les chèques").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert summary.bounding_box()["y"] < page.locator("h1").bounding_box()["y"]
    assert "Code de sécurité erroné" in summary.inner_text()
    assert "Thèmes abordés" in summary.inner_text()
    assert "Chèque valable" in page.locator(".cheque-lines").inner_text()
    check_a11y(page, "i13-phone-redeem-errors")
    _no_horizontal_scroll(page)
    summary.get_by_role("link", name=re.compile("Thèmes abordés")).click()
    assert page.evaluate("document.activeElement.name") == "themes"
    page.keyboard.press("Space")  # the focused theme is ticked
    page.get_by_label("Chèque 2 : numéro ou QR code").fill("")
    page.get_by_label("Chèque 2 : code de sécurité").fill("")
    page.get_by_role("button", name="Encaisser les chèques").click()
    page.wait_for_url(re.compile(r".*/mediation/activites/\d+/$"))
    check_a11y(page, "i13-phone-activity")
    _no_horizontal_scroll(page)
    message = page.locator(".messages").bounding_box()
    next_action = page.get_by_role("link", name="Encaisser d'autres chèques").bounding_box()
    assert message["y"] < next_action["y"]
    assert "Encaissement enregistré : 1 chèque encaissé" in page.locator(".messages").inner_text()
    assert f"a encaissé le chèque {first.number}" in page.content()
    assert Redemption.objects.filter(cheque=first).exists()
    assert not Redemption.objects.filter(cheque=second).exists()
