"""Issue 14 in a browser: the front desk books a slot in step 4 (still four submissions), the
sheet's PDF shows the appointment, the mediator sees it in the day's list and marks it held,
which moves the referral to "first session"; axe on every page."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from chequebooks.models import Chequebook, ChequebookState
from orientation.models import AppointmentState, Referral, ReferralState
from passnum.directory.models import PlaceSlot

from .test_orientation_flow import _place_of_med_rouergue

pytestmark = pytest.mark.browser

FIRST, LAST = "Odette", "Test-Rendezvous"


def test_front_desk_books_in_step_4_and_the_mediator_marks_it_held(page, demo, log_in, check_a11y):
    from passnum.programme.models import TargetPublic

    now = timezone.localtime()
    if now.time() >= datetime.time(23, 50):
        pytest.skip("the day's last slot (23:55) has passed: run it before 23:50")
    place = _place_of_med_rouergue(demo)
    place.takes_appointments = True
    place.save()
    slot = PlaceSlot.objects.create(
        place=place, weekday=now.weekday(), start_time=datetime.time(23, 55), capacity=3
    )
    desk = demo.orgs["ccas_rodez"]
    number = (
        Chequebook.objects.filter(holder=desk, state=ChequebookState.AT_FRONT_DESK)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
    )
    public = TargetPublic.objects.get(code="epci-ages-hors-apa")

    posts = []
    page.on(
        "request",
        lambda request: (
            posts.append(request.url)
            if request.method == "POST" and "/orientation/" in request.url
            else None
        ),
    )
    log_in("accueil.epci@demo.passnum.fr")
    page.goto("/orientation/nouvelle-personne/?reset=1")
    page.get_by_label("Prénom").fill(FIRST)
    page.get_by_label("Nom", exact=True).fill(LAST)
    page.locator("input[name=birth_date]").fill("1950-02-03")
    page.get_by_label("Commune de résidence").fill("Rodez (12000)")
    page.locator("input[name=phone]").fill("0611223344")
    page.locator(f"input[name=target_public][value='{public.pk}']").check()
    page.locator("input[name=consent_given]").check()
    page.get_by_role("button", name=re.compile("Enregistrer et passer")).click()

    page.wait_for_url("**/evaluation/")
    for fieldset in page.locator("form.assessment-form fieldset").all():
        fieldset.locator("input[type=radio]").first.check()
    page.locator("form.assessment-form button[type=submit]").click()

    page.wait_for_url("**/cheque/")
    page.locator("input[name=chequebook_number]").fill(str(number))
    page.keyboard.press("Enter")

    # 4. The referral with its appointment: one submission
    page.wait_for_url("**/orientation/parcours/*/orientation/")
    page.goto(page.url + "?service=tous")
    check_a11y(page, "i14-4-referral-with-slots")
    page.locator(f"#place-{place.pk}").check()
    value = f"{slot.pk}:{now.date().isoformat()}"
    page.get_by_label("Rendez-vous avec la personne (facultatif)").and_(
        page.locator(f"#slot-{place.pk}")
    ).select_option(value)
    page.get_by_role("button", name="Orienter vers ce lieu").click()

    page.wait_for_url(re.compile(r".*/orientation/orientations/\d+/$"))
    check_a11y(page, "i14-5-done-with-appointment")
    assert "23:55" in page.content()
    with page.expect_download() as download_info:
        page.get_by_role(
            "link", name="Télécharger la fiche d'orientation (PDF)"
        ).click()  # step 5 offers two papers
    pdf = Path(download_info.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Votre rendez-vous" in text and "23 h 55" in text
    assert len(posts) == 4, posts  # still four submissions with the appointment

    referral = Referral.objects.get(beneficiary__last_name=LAST)
    appointment = referral.appointments.get()
    assert appointment.state == AppointmentState.BOOKED

    # The desk's page to change it
    page.get_by_role("link", name="Changer le rendez-vous").click()
    check_a11y(page, "i14-desk-rebook")

    # The mediator: the day's list, then held
    page.get_by_role("button", name="Se déconnecter").click()
    log_in("mediateur@demo.passnum.fr")
    page.get_by_role("link", name="Rendez-vous", exact=True).first.click()
    page.wait_for_url("**/orientation/rendez-vous/")
    check_a11y(page, "i14-mediator-day-list")
    name = f"{FIRST} {LAST}"
    assert name in page.content()
    page.get_by_role("button", name=f"Honoré : {name}").click()
    page.wait_for_load_state()
    assert "première séance" in page.locator(".messages").inner_text()
    referral.refresh_from_db()
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.HELD
    assert referral.state == ReferralState.FIRST_SESSION
    page.goto("/orientation/rendez-vous/?vue=semaine")
    check_a11y(page, "i14-mediator-week-list")
    page.get_by_role("link", name=name).first.click()
    assert "Rendez-vous" in page.content()
    check_a11y(page, "i14-mediator-referral-with-appointment")

    # The place's availability page
    page.goto(f"/mediation/structure/lieux/{place.pk}/rendez-vous/")
    check_a11y(page, "i14-place-availability")
    assert "23:55" in page.content()

    # Checking a cheque of the person's chequebook, without redeeming it
    from chequebooks.demo import demo_cheque_code

    cheque = referral.chequebook.cheques.order_by("position").first()
    page.get_by_role("link", name="Vérifier un chèque").click()
    check_a11y(page, "i14-cheque-check")
    page.get_by_label("Numéro du chèque (ou scannez son QR code)").fill(str(cheque.number))
    page.get_by_label("Code de sécurité").fill(demo_cheque_code(cheque.number))
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_load_state()
    assert "Chèque valable" in page.content() and LAST not in page.content()
    check_a11y(page, "i14-cheque-check-answer")

    # The activity page's progress form
    from mediation.models import Activity

    activity = Activity.objects.filter(mediator=place.organisation).first()
    page.goto(f"/mediation/activites/{activity.pk}/")
    page.get_by_label("Autonomie de la personne en fin de séance").select_option("autonomous")
    page.get_by_role("button", name="Enregistrer le progrès").click()
    page.wait_for_load_state()
    check_a11y(page, "i14-activity-progress")

    # The manager: the dashboard's funnel, impact and radar; the missed appointments' list
    page.get_by_role("button", name="Se déconnecter").click()
    log_in("gestionnaire@demo.passnum.fr")
    page.goto("/pilotage/")
    assert "Rendez-vous honorés" in page.content() and "Impact pour 1 000" in page.content()
    check_a11y(page, "i14-dashboard")
    page.get_by_role("link", name="à reprendre").click()
    page.wait_for_url("**/radar/rendez-vous-manques/**")
    check_a11y(page, "i14-radar-missed")
    page.get_by_role("button", name=re.compile("Relancer la personne")).first.click()
    page.wait_for_load_state()
    check_a11y(page, "i14-radar-missed-after")
