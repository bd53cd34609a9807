"""The front desk's whole flow in a browser, then the mediator's answer; accessibility of
every page on the way."""

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from chequebooks.models import Chequebook, ChequebookState
from orientation.models import Referral, ReferralState
from passnum.programme.models import Commune, Service

pytestmark = pytest.mark.browser

FIRST, LAST = "Germaine", "Test-Parcours"


def _place_of_med_rouergue(demo):
    from mediation.models import Place

    org = demo.orgs["med_rouergue"]
    place = Place.objects.filter(organisation=org, is_active=True).first()
    if place is None:  # the mediation demo is not there yet: make one place like it would
        from tests.factories import PlaceFactory

        place = PlaceFactory(
            organisation=org,
            commune=Commune.objects.get(name="Rodez"),
            name="Rouergue Numérique – Rodez",
        )
        place.services.set(Service.objects.all()[:4])
    return place


def test_front_desk_flow_then_mediator_accepts(page, demo, log_in, check_a11y):
    place = _place_of_med_rouergue(demo)
    desk = demo.orgs["ccas_rodez"]
    number = (
        Chequebook.objects.filter(holder=desk, state=ChequebookState.AT_FRONT_DESK)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
    )
    assert number, "the chequebooks demo allocates stock to the CCAS de Rodez"

    log_in("accueil.epci@demo.passnum.fr")
    check_a11y(page, "orientation-home-front-desk")
    page.get_by_role("link", name="Nouvelle personne").first.click()

    # 1. The person
    page.wait_for_url("**/orientation/nouvelle-personne/")
    check_a11y(page, "orientation-1-person")
    page.get_by_label("Prénom").fill(FIRST)
    page.get_by_label("Nom", exact=True).fill(LAST)
    page.get_by_label("Date de naissance").fill("1947-04-12")
    commune = page.get_by_label("Commune de résidence")
    commune.fill("Rodez (12000)")
    page.get_by_label("Téléphone").fill("0611223344")
    page.get_by_label("Personnes âgées hors APA").check()
    page.get_by_label(re.compile("J'ai lu l'information")).check()
    page.get_by_role("button", name=re.compile("Enregistrer et passer")).click()

    # 2. The assessment, answered with the keyboard: focus the first radio of each question
    page.wait_for_url("**/evaluation/")
    check_a11y(page, "orientation-2-assessment")
    for group in page.locator("form.assessment-form fieldset").all():
        group.locator("input[type=radio]").first.focus()
        page.keyboard.press("Space")
    page.get_by_role("button", name=re.compile("passer au chéquier")).click()

    # 3. The chequebook: the number field has the focus; a scanner types and presses Enter
    page.wait_for_url("**/cheque/")
    check_a11y(page, "orientation-3-chequebook")
    assert page.evaluate("document.activeElement.name") == "chequebook_number"
    page.keyboard.type(str(number))
    page.keyboard.press("Enter")

    # 4. The referral
    page.wait_for_url("**/orientation/parcours/*/orientation/")
    check_a11y(page, "orientation-4-referral")
    page.locator(f"#place-{place.pk}").check()
    page.get_by_role("button", name="Orienter vers ce lieu").click()

    # 5. The sheet
    page.wait_for_url(re.compile(r".*/orientation/orientations/\d+/$"))
    check_a11y(page, "orientation-5-sheet")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Télécharger la fiche")).click()
    pdf = Path(download_info.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert place.organisation.name in text.replace("’", "'")
    assert str(number) in text and FIRST in text

    referral = Referral.objects.get(beneficiary__last_name=LAST)
    assert referral.state == ReferralState.PROPOSED and referral.chequebook.number == number

    # The front desk's lists
    page.get_by_role("link", name="Orientations", exact=True).click()
    check_a11y(page, "orientation-referral-list")
    page.get_by_role("link", name="Personnes", exact=True).click()
    check_a11y(page, "orientation-person-list")
    page.get_by_role("link", name=LAST).click()
    check_a11y(page, "orientation-person-detail")

    # The mediator answers
    page.get_by_role("button", name="Se déconnecter").click()
    log_in("mediateur@demo.passnum.fr")
    check_a11y(page, "orientation-home-mediator")
    page.get_by_role("link", name="Orientations reçues").first.click()
    check_a11y(page, "orientation-inbox")
    name = f"{FIRST} {LAST}"
    page.get_by_role("link", name=name, exact=True).click()
    check_a11y(page, "orientation-mediator-referral")
    page.get_by_role("link", name="← Orientations reçues").click()
    page.get_by_role("button", name=f"Accepter l'orientation de {name}").click()
    page.wait_for_url("**/orientations-recues/")
    assert "acceptée" in page.locator(".messages").inner_text()
    referral.refresh_from_db()
    assert referral.state == ReferralState.ACCEPTED

    # The mediator re-assesses the person (the gain is shown on the referral's page)
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("link", name="Réévaluer l'autonomie").click()
    check_a11y(page, "orientation-mediator-reassess")
    for group in page.locator("form.assessment-form fieldset").all():
        group.locator("input[type=radio]").last.check()
    page.get_by_role("button", name="Enregistrer l'évaluation").click()
    page.wait_for_url(re.compile(r".*/orientations-recues/\d+/$"))
    assert "Progression" in page.content()

    # Declining another referral asks for a reason
    page.get_by_role("link", name="← Orientations reçues").click()
    page.get_by_role("link", name=re.compile("^Refuser l'orientation de")).first.click()
    check_a11y(page, "orientation-mediator-decline")


def test_manager_questionnaire_pages_are_accessible(page, demo, log_in, check_a11y):
    log_in("gestionnaire@demo.passnum.fr")
    page.get_by_role("link", name="Questionnaire", exact=True).click()
    check_a11y(page, "orientation-questionnaires")
    page.get_by_role("button", name="Créer une nouvelle version").click()
    check_a11y(page, "orientation-questionnaire-draft")
    page.get_by_role("link", name=re.compile("^Modifier")).first.click()
    check_a11y(page, "orientation-question-edit")
