"""Browser tests of the foundation's pages: programme data, journal, organisations and
invitations, account security pages. Every page visited passes the accessibility check."""

import re
import time

import pytest
from django.core import mail

from passnum.programme.models import BudgetLine, Funder

pytestmark = pytest.mark.browser

MANAGER = "gestionnaire@demo.passnum.fr"


@pytest.fixture
def foundation(transactional_db):
    """The demo's foundation only (programme, organisations, the five accounts)."""
    from django.core.cache import cache

    from passnum.programme.demo import demo_load_foundation

    cache.clear()
    return demo_load_foundation()


def test_a_manager_visits_the_programme_pages_and_edits_a_budget_line(
    page, foundation, log_in, check_a11y
):
    log_in(MANAGER)
    page.get_by_role("link", name="Programme", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Pass numérique Aveyron"
    check_a11y(page, "programme-overview")

    for link, heading, name in [
        ("Répartir les enveloppes", "Enveloppes de chéquiers", "programme-envelopes"),
        ("Gérer les millésimes", "Millésimes", "programme-vintages"),
        ("Gérer les publics cibles", "Publics cibles", "programme-publics"),
        ("Choisir les partenaires", "EPCI partenaires", "programme-partners"),
        ("Chercher une commune", "Communes de l'Aveyron", "programme-communes"),
    ]:
        page.goto("/programme/")
        page.get_by_role("link", name=link).click()
        assert page.get_by_role("heading", level=1).inner_text() == heading
        check_a11y(page, name)

    page.get_by_label("Nom, code postal ou code INSEE").fill("Millau")
    page.get_by_role("button", name="Chercher").click()
    assert page.get_by_role("cell", name="Millau", exact=True).is_visible()

    page.goto("/programme/millesimes/")
    page.get_by_role("link", name=re.compile("Modifier le millésime")).first.click()
    check_a11y(page, "programme-vintage-form")

    page.goto("/programme/")
    page.get_by_role("link", name="Financeurs et lignes budgétaires").click()
    check_a11y(page, "programme-budget")
    state = Funder.objects.get(kind=Funder.Kind.STATE)
    # The demo's programme covers its vintages (i13): last year to next year.
    years = f"{foundation.programme.start_year}-{foundation.programme.end_year}"
    page.get_by_role("link", name=f"Modifier la ligne Programme {years} de {state.name}").click()
    check_a11y(page, "programme-budget-line")
    page.get_by_label("Montant").fill("abc")
    page.get_by_role("button", name="Enregistrer").click()
    # Next to the field, and in the error summary at the top, which links to it.
    assert page.locator(".errorlist").get_by_text("Saisissez un montant en euros").is_visible()
    assert page.locator("[data-error-summary] a[href='#id_amount_cents']").is_visible()
    check_a11y(page, "programme-budget-line-error")
    page.get_by_label("Montant").fill("628 400,00")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/programme/budget/")
    assert "628\u00a0400,00\u00a0€" in page.locator("main").inner_text()
    assert BudgetLine.objects.get(funder=state).amount_cents == 62_840_000

    page.goto("/programme/")
    assert "a modifié la ligne budgétaire" in page.content()


def test_a_manager_searches_the_journal(page, foundation, log_in, check_a11y):
    log_in(MANAGER)
    page.goto("/programme/epci-partenaires/")
    page.get_by_role("button", name="Enregistrer la liste").click()
    page.get_by_role("link", name="Journal").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Journal"
    check_a11y(page, "journal")
    page.get_by_label("Action (code)").fill("organisations.membership")
    page.get_by_role("button", name="Chercher").click()
    assert "a donné le rôle" in page.content()
    check_a11y(page, "journal-results")


def test_a_manager_invites_a_person_who_accepts_and_lands_on_their_home(
    page, foundation, log_in, check_a11y
):
    mail.outbox.clear()
    log_in(MANAGER)
    page.get_by_role("link", name="Organisations", exact=True).click()
    check_a11y(page, "organisations-list")
    page.get_by_label(re.compile(r"^Type \(")).select_option("front_desk")  # not "Type d'accueil"
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name="CCAS de Rodez").click()
    assert page.get_by_role("heading", level=1).inner_text() == "CCAS de Rodez"
    check_a11y(page, "organisation-detail")
    page.get_by_role("link", name="Inviter une personne").click()
    check_a11y(page, "organisation-invite")
    page.get_by_label("Adresse e-mail").fill("nouvelle.agente@example.org")
    page.get_by_label(re.compile(r"^Prénom")).fill("Nadia")
    page.get_by_label(re.compile(r"^Nom")).fill("Nouvelle")
    page.get_by_label("Rôle").select_option("evaluator")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    assert "nouvelle.agente@example.org" in page.content()
    check_a11y(page, "organisation-detail-pending")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/compte/invitation/\S+/", mail.outbox[0].body).group(0)
    page.get_by_role("button", name="Se déconnecter").click()

    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Rejoindre CCAS de Rodez"
    check_a11y(page, "invitation-accept")
    page.get_by_label("Mot de passe", exact=True).fill("Un-mot-de-passe-solide-2026")
    page.get_by_label("Confirmez le mot de passe").fill("Un-mot-de-passe-solide-2026")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Nadia"
    assert "CCAS de Rodez" in page.content()
    check_a11y(page, "invitee-home")

    page.goto(link)
    assert "plus valable" in page.content()


def test_the_mfa_setup_pages(page, foundation, log_in, check_a11y):
    log_in(MANAGER)
    page.get_by_role("link", name="Claire Gestionnaire").click()
    check_a11y(page, "profile")
    page.get_by_role("link", name="Double authentification").click()
    check_a11y(page, "mfa-index")
    page.goto("/compte/2fa/totp/activate/")
    check_a11y(page, "reauthenticate")
    page.get_by_label("Mot de passe").fill("passnum-demo")
    page.get_by_role("button").filter(has_text=re.compile("Confirmer")).click()
    page.wait_for_url("**/2fa/totp/activate/")
    assert page.get_by_role("img", name=re.compile("Code QR")).is_visible()
    check_a11y(page, "mfa-totp-activate")
    page.get_by_label("Code de l'authentificateur").fill("000000")
    page.get_by_role("button", name="Activer").click()
    check_a11y(page, "mfa-totp-activate-error")

    from allauth.mfa.totp.internal.auth import hotp_value

    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Code de l'authentificateur").fill(
        f"{hotp_value(secret, int(time.time()) // 30):06d}"
    )
    page.get_by_role("button", name="Activer").click()
    page.goto("/compte/2fa/recovery-codes/")
    check_a11y(page, "mfa-recovery-codes")
    recovery_code = page.locator("#recovery_codes").input_value().split()[0]

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(MANAGER)
    assert "/2fa/authenticate/" in page.url
    check_a11y(page, "mfa-authenticate")
    page.get_by_label("Code").fill(recovery_code)
    page.get_by_role("button", name=re.compile("^(Connexion|Se connecter)$")).click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Claire"


def test_the_password_pages(page, foundation, log_in, check_a11y):
    mail.outbox.clear()
    page.goto("/compte/login/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    check_a11y(page, "password-reset")
    page.get_by_label("Adresse e-mail").fill(MANAGER)
    page.get_by_role("button").filter(has_text=re.compile("Réinitialiser")).click()
    check_a11y(page, "password-reset-done")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/compte/password/reset/key/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    check_a11y(page, "password-reset-from-key")

    log_in(MANAGER)
    page.goto("/compte/password/change/")
    check_a11y(page, "password-change")
    page.goto("/compte/logout/")
    check_a11y(page, "logout")


def test_the_managers_pages_fit_a_phone(page, foundation, log_in, check_a11y):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(MANAGER)
    for url in ["/programme/", "/programme/budget/", "/organisations/", "/journal/"]:
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} déborde de {overflow} px"
    check_a11y(page, "journal-phone")


def test_the_closed_sign_up_page(page, transactional_db, check_a11y):
    page.goto("/compte/signup/")
    assert page.get_by_role("heading", level=1).inner_text() == "Pas d'inscription libre"
    check_a11y(page, "signup-closed")
