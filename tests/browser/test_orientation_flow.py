"""The front desk's whole flow in a browser, then the mediator's answer; accessibility of
every page on the way."""

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from chequebooks.models import Chequebook, ChequebookState
from orientation.models import Referral, ReferralState
from passnum.programme.models import Service
from passnum.territory.models import Commune

pytestmark = pytest.mark.browser

FIRST, LAST = "Germaine", "Test-Parcours"


def _place_of_med_rouergue(demo):
    from passnum.directory.models import Place

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


def _focused(page, script="document.activeElement"):
    return page.evaluate(f"(() => {{ const e = {script}; return e && e.outerHTML; }})()") or ""


def _tab_to(page, selector, *, limit=40, back=False):
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``."""
    for _ in range(limit):
        if page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{selector} never got the focus with the keyboard")


def _arrow_to(page, selector, *, limit=30):
    """In a radio group, press ↓ until the focused radio matches, then Space checks it."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{selector} never reached with the arrow keys")


def test_front_desk_flow_then_mediator_accepts(page, demo, log_in, check_a11y):
    """The front desk's flow with the keyboard alone: Tab, typing, arrows, Space and Enter."""
    from passnum.programme.models import TargetPublic

    place = _place_of_med_rouergue(demo)
    desk = demo.orgs["ccas_rodez"]
    number = (
        Chequebook.objects.filter(holder=desk, state=ChequebookState.AT_FRONT_DESK)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
    )
    assert number, "the chequebooks demo allocates stock to the CCAS de Rodez"
    public = TargetPublic.objects.get(code="epci-ages-hors-apa")

    log_in("accueil.epci@demo.passnum.fr")
    check_a11y(page, "orientation-home-front-desk")
    page.get_by_role("link", name="Nouvelle personne").first.click()

    # 1. The person. Submitted empty first: the errors page is checked too.
    page.wait_for_url("**/orientation/nouvelle-personne/")
    check_a11y(page, "orientation-1-person")
    page.get_by_role("button", name=re.compile("Enregistrer et passer")).click()
    page.wait_for_load_state()
    assert "Le consentement" in page.content() or "obligatoire" in page.content()
    check_a11y(page, "orientation-1-person-errors")
    page.get_by_label("Prénom").focus()  # where the agent starts; all else from the keyboard
    page.keyboard.type(FIRST)
    page.keyboard.press("Tab")
    page.keyboard.type(LAST)
    _tab_to(page, "input[name=birth_date]")
    page.keyboard.type("12121947")  # day and month alike: whatever the field's order
    _tab_to(page, "input[name=commune]")
    page.keyboard.type("Rod")  # the type-ahead lists Rodelle, Rodez...
    listbox = page.get_by_role("listbox", name="Communes proposées")
    listbox.wait_for()
    assert listbox.get_by_role("option", name="Rodez (12000)").count() == 1
    check_a11y(page, "orientation-1-commune-typeahead")
    for _ in range(10):
        page.keyboard.press("ArrowDown")
        if page.evaluate(
            "document.getElementById(document.activeElement.getAttribute('aria-activedescendant'))"
            ".textContent"
        ).startswith("Rodez"):
            break
    page.keyboard.press("Enter")
    assert page.get_by_label("Commune de résidence").input_value() == "Rodez (12000)"
    _tab_to(page, "input[name=phone]")
    page.keyboard.type("0611223344")
    _tab_to(page, "input[name=target_public]")
    _arrow_to(page, f"input[name=target_public][value='{public.pk}']")
    _tab_to(page, "input[name=consent_given]")
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    # 2. The assessment: Tab into each question, Space picks its first answer
    page.wait_for_url("**/evaluation/")
    check_a11y(page, "orientation-2-assessment")
    groups = page.locator("form.assessment-form fieldset").count()
    for index in range(groups):
        _tab_to(page, "form.assessment-form input[type=radio]")
        page.keyboard.press("Space")
        if index < groups - 1:
            page.keyboard.press("Tab")
    _tab_to(page, "form.assessment-form button[type=submit]")
    page.keyboard.press("Enter")

    # 3. The chequebook: the number field has the focus; a scanner types and presses Enter
    page.wait_for_url("**/cheque/")
    check_a11y(page, "orientation-3-chequebook")
    assert page.evaluate("document.activeElement.name") == "chequebook_number"
    page.keyboard.type(str(number))
    page.keyboard.press("Enter")

    # 4. The referral: Tab to the places, ↓ to Rouergue Numérique's, Tab to the button, Enter
    page.wait_for_url("**/orientation/parcours/*/orientation/")
    check_a11y(page, "orientation-4-referral")
    _tab_to(page, "input[name=place]")
    _arrow_to(page, f"#place-{place.pk}")
    _tab_to(page, "button[type=submit]")
    assert "Orienter vers ce lieu" in _focused(page)
    page.keyboard.press("Enter")

    # 5. The sheet, downloaded from the keyboard
    page.wait_for_url(re.compile(r".*/orientation/orientations/\d+/$"))
    check_a11y(page, "orientation-5-sheet")
    with page.expect_download() as download_info:
        _tab_to(page, "a[download]")
        page.keyboard.press("Enter")
    pdf = Path(download_info.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert place.organisation.name in text.replace("’", "'")
    assert str(number) in text and FIRST in text

    # Back to step 1 from the steps bar: the record, for correcting (journaled)
    page.get_by_role("navigation", name="Étapes du parcours").get_by_role(
        "link", name="Personne"
    ).click()
    page.wait_for_url(re.compile(r".*/modifier/\?parcours=1$"))
    assert page.get_by_label("Téléphone").input_value() == "0611223344"
    check_a11y(page, "orientation-1-person-edit")
    page.go_back()

    referral = Referral.objects.get(beneficiary__last_name=LAST)
    assert referral.state == ReferralState.PROPOSED and referral.chequebook.number == number
    person = referral.beneficiary
    assert person.birth_date.isoformat() == "1947-12-12" and person.commune.name == "Rodez"
    assert person.target_public == public

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


def test_known_elsewhere_then_not_handing_over_pages_are_accessible(page, demo, log_in, check_a11y):
    """A person already known at another desk (holding a chequebook of the current vintage):
    the warning and its confirmation box; then, autonomous, the "not handing over" section and
    its error."""
    from orientation.models import Assessment
    from passnum.people.models import Beneficiary

    known = Beneficiary.objects.get(first_name="Bernard", last_name="Alric")
    assert known.chequebooks.exists()
    log_in("accueil.epci@demo.passnum.fr")
    page.goto("/orientation/nouvelle-personne/?reset=1")
    page.get_by_label("Prénom").fill("Bernard")
    page.get_by_label("Nom", exact=True).fill("ALRIC")
    page.get_by_label("Date de naissance").fill("1962-05-30")
    page.get_by_label("Commune de résidence").fill("Rodez (12000)")
    page.get_by_label("Personnes âgées hors APA").check()
    page.get_by_label(re.compile("J'ai lu l'information")).check()
    page.get_by_role("button", name=re.compile("Enregistrer et passer")).click()
    warning = page.get_by_role("alert")
    assert "déjà connue du programme" in warning.inner_text()
    assert "détient déjà un chéquier" in warning.inner_text()
    assert known.registered_by_organisation.name not in page.content()
    check_a11y(page, "orientation-1-known-elsewhere")
    page.get_by_label(re.compile("déjà connue d'un autre accueil")).check()
    page.get_by_role("button", name=re.compile("Enregistrer et passer")).click()

    page.wait_for_url("**/evaluation/")
    for group in page.locator("form.assessment-form fieldset").all():
        group.locator("input[type=radio]").last.check()
    page.get_by_role("button", name=re.compile("passer au chéquier")).click()

    page.wait_for_url("**/cheque/")
    section = page.get_by_role("region", name="Ne pas remettre de chéquier")
    section.get_by_role("button", name="Enregistrer la non-remise").click()
    page.wait_for_load_state()
    assert "Ce champ est obligatoire" in page.content()
    check_a11y(page, "orientation-3-no-handover-error")
    page.get_by_label("Motif de non-remise").fill("Autonome, pas de besoin")
    page.get_by_role("button", name="Enregistrer la non-remise").click()
    page.wait_for_url("**/orientation/parcours/*/orientation/")
    check_a11y(page, "orientation-4-referral-no-chequebook")
    here = Beneficiary.objects.get(last_name="ALRIC")
    assert Assessment.objects.get(beneficiary=here).no_handover_reason == "Autonome, pas de besoin"
    # back to step 3: the reason saved is shown
    page.get_by_role("navigation", name="Étapes du parcours").get_by_role(
        "link", name="Chéquier"
    ).click()
    assert "Autonome, pas de besoin" in page.locator("#saved-no-handover").inner_text()
    check_a11y(page, "orientation-3-no-handover-saved")


def test_manager_questionnaire_pages_are_accessible(page, demo, log_in, check_a11y):
    log_in("gestionnaire@demo.passnum.fr")
    page.get_by_role("link", name="Questionnaire", exact=True).click()
    check_a11y(page, "orientation-questionnaires")
    page.get_by_role("button", name="Créer une nouvelle version").click()
    check_a11y(page, "orientation-questionnaire-draft")
    page.get_by_role("link", name=re.compile("^Modifier")).first.click()
    check_a11y(page, "orientation-question-edit")
