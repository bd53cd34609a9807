"""Browser: a mediator redeems a referred person's cheques and sees a specific refusal; a
manager produces, validates and downloads the month's statement. Accessibility on each page.

Statements: freezegun does not reach the live server's thread reliably, so the manager
produces the statement of the current month with the "period" choice of the page."""

import re

import pytest

pytestmark = pytest.mark.browser


def _referred_chequebook(demo):
    """A handed-out chequebook, untouched, of a person referred to Rouergue Numérique."""
    from chequebooks.models import Chequebook, ChequeState
    from orientation.models import Referral

    for referral in Referral.objects.filter(mediator=demo.orgs["med_rouergue"]).select_related(
        "beneficiary"
    ):
        for book in Chequebook.objects.filter(beneficiary=referral.beneficiary, state="handed_out"):
            if not book.cheques.exclude(state=ChequeState.HANDED_OUT).exists():
                return referral, book
    pytest.fail("the demo keeps one referred chequebook untouched for this test")


def test_mediator_redeems_three_cheques_then_sees_already_redeemed(page, demo, log_in, check_a11y):
    from chequebooks.demo import demo_cheque_code
    from mediation.models import Redemption

    referral, book = _referred_chequebook(demo)
    cheques = list(book.cheques.order_by("position")[:3])

    log_in("mediateur@demo.passnum.fr")
    check_a11y(page, "mediation-home-mediateur")
    page.get_by_role("link", name="Encaisser des chèques").first.click()
    page.wait_for_url("**/mediation/encaisser/")
    check_a11y(page, "mediation-redeem")

    # Keyboard only: a scanner types the QR content then Enter, line after line.
    first = page.get_by_label("Chèque 1 : numéro ou QR code")
    first.focus()
    for cheque in cheques:
        page.keyboard.type(f"PASSNUM:{cheque.number}:{demo_cheque_code(cheque.number)}")
        page.keyboard.press("Enter")
    assert page.get_by_label("Chèque 1 : numéro ou QR code").input_value() == str(cheques[0].number)
    assert page.get_by_label("Chèque 3 : code de sécurité").input_value() != ""
    page.get_by_label("Accompagnement individuel", exact=True).check()
    page.get_by_label("E-mail", exact=True).check()
    page.get_by_label("Démarches en ligne", exact=True).check()
    page.get_by_label("Orientation à laquelle cette activité répond").select_option(
        str(referral.pk)
    )
    page.get_by_role("button", name="Encaisser les chèques").click()
    page.wait_for_url(re.compile(r".*/mediation/activites/\d+/$"))
    assert "3 chèques encaissés" in page.content()
    check_a11y(page, "mediation-activity")
    assert Redemption.objects.filter(cheque__in=cheques).count() == 3
    referral.refresh_from_db()
    assert referral.state == "first_session"

    # The same cheque again, with a new one: nothing is redeemed, the refusal is specific.
    page.goto("/mediation/encaisser/")
    fresh = book.cheques.order_by("position")[3]
    page.get_by_label("Chèque 1 : numéro ou QR code").fill(str(cheques[0].number))
    page.get_by_label("Chèque 1 : code de sécurité").fill(demo_cheque_code(cheques[0].number))
    page.get_by_label("Chèque 2 : numéro ou QR code").fill(str(fresh.number))
    page.get_by_label("Chèque 2 : code de sécurité").fill(demo_cheque_code(fresh.number))
    page.get_by_label("E-mail", exact=True).check()
    page.get_by_role("button", name="Encaisser les chèques").click()
    alert = page.locator("#refus")
    assert "Aucun chèque n'a été encaissé" in alert.inner_text()
    assert "déjà été encaissé le" in alert.inner_text()
    assert str(referral.beneficiary) in alert.inner_text()
    assert not Redemption.objects.filter(cheque=fresh).exists()
    check_a11y(page, "mediation-redeem-refused")

    for path, name in (
        ("/mediation/activites/", "mediation-activities"),
        ("/mediation/activites/nouvelle/", "mediation-activity-form"),
        ("/mediation/releves/", "mediation-statements-mediator"),
        ("/mediation/structure/", "mediation-profile"),
        ("/mediation/structure/modifier/", "mediation-profile-form"),
        ("/mediation/structure/lieux/nouveau/", "mediation-place-form"),
    ):
        page.goto(path)
        check_a11y(page, name)
    place = demo.orgs["med_rouergue"].places.order_by("pk").first()
    page.goto(f"/mediation/structure/lieux/{place.pk}/")
    check_a11y(page, "mediation-place-edit")
    page.goto("/mediation/releves/")
    page.get_by_role("link", name=re.compile(r"Relevé n° \d+")).first.click()
    check_a11y(page, "mediation-statement-mediator")
    page.goto("/mediation/structure/")
    page.get_by_role("link", name=re.compile("Convention avec")).first.click()
    check_a11y(page, "mediation-agreement-mediator")

    # Forms in their error state: the message sits next to the field.
    page.goto("/mediation/activites/nouvelle/")
    page.get_by_label("Atelier collectif", exact=True).check()
    page.get_by_label("Durée (minutes)").fill("0")
    page.get_by_label("E-mail", exact=True).check()
    page.get_by_role("button", name="Enregistrer").click()
    assert "au moins une minute" in page.content()
    check_a11y(page, "mediation-activity-form-error")
    page.goto("/mediation/structure/modifier/")
    page.get_by_label("IBAN").fill("")
    page.get_by_role("button", name=re.compile("Enregistrer")).click()
    assert "ne peut pas être vidé" in page.content()
    check_a11y(page, "mediation-profile-form-error")


def test_manager_produces_validates_and_downloads_the_months_statement(
    page, demo, log_in, check_a11y, tmp_path
):
    from django.utils import timezone

    from mediation.models import Statement

    log_in("gestionnaire@demo.passnum.fr")
    page.goto("/mediation/releves/")
    check_a11y(page, "mediation-statements-manager")
    page.get_by_label(re.compile("Mois en cours")).check()
    page.get_by_role("button", name="Produire les relevés").click()
    page.wait_for_url("**/mediation/releves/")
    rouergue = demo.orgs["med_rouergue"]
    statement = Statement.objects.filter(mediator=rouergue).order_by("-period_start").first()
    assert statement.period_start == timezone.localdate().replace(day=1)
    page.goto(f"/mediation/releves/{statement.pk}/")
    check_a11y(page, "mediation-statement-manager")
    page.get_by_role("button", name="Valider le relevé").click()
    assert "Relevé validé" in page.content()
    statement.refresh_from_db()
    assert statement.status == "validated"
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger le relevé (PDF)").click()
    path = tmp_path / "releve.pdf"
    info.value.save_as(path)
    from passnum.pdf import sha256

    assert sha256(path.read_bytes()) == statement.file_sha256

    for path_, name in (
        ("/mediation/mediateurs/", "mediation-mediators"),
        ("/mediation/mediateurs/inviter/", "mediation-mediator-invite"),
        ("/mediation/conventions/", "mediation-agreements"),
        (f"/mediation/mediateurs/{rouergue.pk}/", "mediation-mediator-detail"),
        (f"/mediation/mediateurs/{demo.orgs['med_applied'].pk}/", "mediation-mediator-applied"),
        (f"/mediation/mediateurs/{rouergue.pk}/conventions/nouvelle/", "mediation-agreement-form"),
        (f"/mediation/mediateurs/{rouergue.pk}/profil/", "mediation-mediator-profile-form"),
    ):
        page.goto(path_)
        check_a11y(page, name)
    page.goto(f"/mediation/mediateurs/{rouergue.pk}/lieux/nouveau/")
    check_a11y(page, "mediation-mediator-place-form")
    page.goto("/mediation/conventions/")
    page.get_by_role("link", name="Rouergue Numérique").click()
    check_a11y(page, "mediation-agreement-manager")

    # A suspension without a reason: refused next to the reason, on the mediator's page.
    page.goto(f"/mediation/mediateurs/{rouergue.pk}/")
    page.get_by_label("Nouvelle qualification").select_option("suspended")
    page.get_by_role("button", name="Changer la qualification").click()
    assert "Indiquez le motif" in page.content()
    check_a11y(page, "mediation-qualification-error")


def test_manager_sees_bank_changes_to_revalidate_and_what_they_hold_back(
    page, demo, log_in, check_a11y
):
    """A mediator's IBAN changed: the manager sees old → new (masked) next to « Revalider »,
    the statements page names it as left out of the export and of the run, and after the
    re-validation an earlier statement's page says its PDF shows the old IBAN."""
    from mediation.models import Statement
    from passnum.directory.services import mediator_profile_update
    from passnum.organisations.models import Membership

    rouergue = demo.orgs["med_rouergue"]
    admin = Membership.objects.filter(organisation=rouergue, role="org_admin").first()
    earlier = Statement.objects.filter(mediator=rouergue).order_by("-number").first()
    new_iban = "FR1420041010050500013M02606"
    mediator_profile_update(profile=rouergue.mediator_profile, membership=admin, iban=new_iban)

    log_in("gestionnaire@demo.passnum.fr")
    page.goto(f"/mediation/mediateurs/{rouergue.pk}/")
    section = page.get_by_role("list", name="Modifications à revalider")
    assert "FR14 •••• 2606" in section.inner_text()
    check_a11y(page, "mediation-mediator-bank-changes")

    page.goto("/mediation/releves/")
    page.get_by_label(re.compile("Mois en cours")).check()
    page.get_by_role("button", name="Produire les relevés").click()
    page.wait_for_url("**/mediation/releves/")
    assert "Relevé non émis, coordonnées bancaires à revalider" in page.content()
    assert rouergue.name in page.content()
    check_a11y(page, "mediation-statements-held")

    page.goto(f"/mediation/mediateurs/{rouergue.pk}/")
    page.get_by_role("button", name="Revalider les coordonnées bancaires").click()
    assert "Coordonnées bancaires revalidées" in page.content()
    assert earlier.printed_iban  # the demo's statements are issued by the service
    page.goto(f"/mediation/releves/{earlier.pk}/")
    assert "FR14 •••• 2606" in page.content()
    check_a11y(page, "mediation-statement-iban-changed")
