"""Accounts: invitation only, invitation links, password pages, MFA policy, rate limit, idle
timeout."""

import datetime
import re
import time

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.middleware import SESSION_LAST_SEEN
from passnum.accounts.models import User
from passnum.audit.models import JournalEntry
from passnum.organisations.models import Invitation, Membership, Role
from passnum.organisations.services import invitation_create
from tests.factories import (
    FrontDeskFactory,
    MembershipFactory,
    UserFactory,
    evaluator_membership,
    manager_membership,
    mediator_membership,
)

pytestmark = pytest.mark.django_db

STRONG = "Un-mot-de-passe-solide-2026"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate limits live in the cache
    yield
    cache.clear()


def _link_from_outbox() -> str:
    assert mail.outbox, "no e-mail was sent"
    match = re.search(r"https?://\S+/compte/invitation/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0).split("testserver", 1)[1]


# --- No public sign-up -------------------------------------------------------------------------


def test_public_sign_up_is_closed(client):
    response = client.get("/compte/signup/")
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert "demandez une invitation" in response.content.decode()
    users_before = User.objects.count()
    client.post(
        "/compte/signup/",
        {"email": "intrus@example.org", "password1": STRONG, "password2": STRONG},
    )
    assert User.objects.count() == users_before


# --- Invitations --------------------------------------------------------------------------------


def test_a_manager_invites_a_person_who_accepts_through_the_emailed_link(
    client, login, django_capture_on_commit_callbacks
):
    manager = manager_membership()
    desk = FrontDeskFactory(name="CCAS de test")
    login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:invite", args=[desk.pk]),
            {
                "email": "Nouvelle@Example.org",
                "first_name": "Nina",
                "last_name": "Neuve",
                "role": Role.EVALUATOR,
            },
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nouvelle@example.org"]
    assert "CCAS de test" in mail.outbox[0].body
    link = _link_from_outbox()

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Rejoindre CCAS de test" in page.content.decode()
    response = client.post(
        link,
        {"first_name": "Nina", "last_name": "Neuve", "password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 302 and response.url == reverse("home")
    user = User.objects.get(email="nouvelle@example.org")
    assert user.check_password(STRONG)
    assert Membership.objects.get(user=user, organisation=desk).role == Role.EVALUATOR
    home = client.get(reverse("home"))
    assert home.wsgi_request.user == user
    assert home.wsgi_request.organisation == desk
    assert JournalEntry.objects.filter(action="organisations.invitation.accepted").exists()


def test_an_invitation_link_serves_once(client):
    manager = manager_membership()
    invitation, token = invitation_create(
        organisation=FrontDeskFactory(), email="une@example.org", role=Role.EVALUATOR, by=manager
    )
    link = reverse("accounts:invitation_accept", args=[token])
    data = {"first_name": "Une", "last_name": "Fois", "password1": STRONG, "password2": STRONG}
    assert client.post(link, data).status_code == 302
    client.logout()
    assert client.get(link).status_code == 404
    assert client.post(link, data).status_code == 404
    assert Membership.objects.filter(user__email="une@example.org").count() == 1


def test_an_invitation_link_expires(client, settings):
    manager = manager_membership()
    _invitation, token = invitation_create(
        organisation=FrontDeskFactory(), email="tard@example.org", role=Role.EVALUATOR, by=manager
    )
    link = reverse("accounts:invitation_accept", args=[token])
    later = timezone.now() + datetime.timedelta(days=settings.PASSNUM_INVITATION_DAYS, minutes=1)
    from freezegun import freeze_time

    with freeze_time(later):
        response = client.post(
            link, {"first_name": "A", "last_name": "B", "password1": STRONG, "password2": STRONG}
        )
    assert response.status_code == 404
    assert not User.objects.filter(email="tard@example.org").exists()


def test_a_guessed_invitation_token_is_refused(client):
    assert client.get(reverse("accounts:invitation_accept", args=["devine"])).status_code == 404


def test_the_accept_page_refuses_a_weak_password_in_french_next_to_the_field(client):
    manager = manager_membership()
    _inv, token = invitation_create(
        organisation=FrontDeskFactory(),
        email="faible@example.org",
        role=Role.EVALUATOR,
        by=manager,
    )
    response = client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {"first_name": "A", "last_name": "B", "password1": "123", "password2": "123"},
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert "trop court" in response.content.decode()
    assert not User.objects.filter(email="faible@example.org").exists()


def test_an_existing_person_accepts_by_logging_in_and_keeps_their_password(client, login):
    existing = evaluator_membership()
    other_desk = FrontDeskFactory()
    manager = manager_membership()
    _inv, token = invitation_create(
        organisation=other_desk, email=existing.user.email, role=Role.EVALUATOR, by=manager
    )
    link = reverse("accounts:invitation_accept", args=[token])
    anonymous = client.get(link)
    assert "Connectez-vous" in anonymous.content.decode()
    client.post(
        link, {"first_name": "X", "last_name": "Y", "password1": STRONG, "password2": STRONG}
    )
    assert not Membership.objects.filter(user=existing.user, organisation=other_desk).exists()
    login(existing)
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(user=existing.user, organisation=other_desk).exists()
    existing.user.refresh_from_db()
    assert existing.user.check_password("mot-de-passe-de-test")


def test_an_org_admin_invites_to_its_own_organisation_only(client, login):
    admin = mediator_membership(role=Role.ORG_ADMIN)
    other = mediator_membership(role=Role.ORG_ADMIN)
    login(admin)
    own = client.post(
        reverse("organisations:invite", args=[admin.organisation.pk]),
        {"email": "collegue@example.org", "role": Role.MEDIATOR},
    )
    assert own.status_code == 302
    assert Invitation.objects.filter(organisation=admin.organisation).count() == 1
    foreign = client.post(
        reverse("organisations:invite", args=[other.organisation.pk]),
        {"email": "intrus@example.org", "role": Role.MEDIATOR},
    )
    assert foreign.status_code == 404
    assert not Invitation.objects.filter(organisation=other.organisation).exists()


def test_an_evaluator_cannot_invite(client, login):
    evaluator = evaluator_membership()
    login(evaluator)
    response = client.get(reverse("organisations:invite", args=[evaluator.organisation.pk]))
    assert response.status_code == 404


def test_a_role_that_does_not_fit_the_organisation_is_refused(client, login):
    manager = manager_membership()
    desk = FrontDeskFactory()
    login(manager)
    response = client.post(
        reverse("organisations:invite", args=[desk.pk]),
        {"email": "x@example.org", "role": Role.PROGRAMME_MANAGER},
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()


# --- Password pages, logout, MFA pages ------------------------------------------------------------


def test_password_reset_sends_a_link_and_the_pages_render(client):
    user = UserFactory(email="oubli@example.org")
    page = client.get(reverse("account_reset_password"))
    assert page.status_code == 200
    assert 'class="form-card"' in page.content.decode()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://testserver(/compte/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link
    follow = client.get(link.group(1), follow=True)
    assert follow.status_code == 200
    response = client.post(
        follow.redirect_chain[-1][0] if follow.redirect_chain else link.group(1),
        {"password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert JournalEntry.objects.filter(action="accounts.password.reset", actor=user).exists()


def test_password_change_and_logout(client, login):
    membership = evaluator_membership()
    login(membership)
    assert client.get(reverse("account_change_password")).status_code == 200
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "mot-de-passe-de-test", "password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 302
    membership.user.refresh_from_db()
    assert membership.user.check_password(STRONG)
    entry = JournalEntry.objects.get(action="accounts.password.changed")
    assert entry.actor == membership.user and entry.organisation == membership.organisation
    assert entry.sentence == f"{membership.user.get_full_name()} a changé son mot de passe"
    assert client.get(reverse("account_logout")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("home")).status_code == 302


def _real_login(client, membership):
    """Log in through the login form, then confirm the password as allauth asks before any
    change to the account's security (reauthentication)."""
    response = client.post(
        reverse("account_login"),
        {"login": membership.user.email, "password": "mot-de-passe-de-test"},
    )
    assert response.status_code == 302
    response = client.post(reverse("account_reauthenticate"), {"password": "mot-de-passe-de-test"})
    assert response.status_code == 302


def test_reauthentication_page_renders_in_our_look(client, login):
    login(manager_membership())
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert "skip-link" in response.content.decode()


def test_mfa_pages_render_in_our_look(client):
    _real_login(client, manager_membership())
    for name in ["mfa_index", "mfa_activate_totp"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "skip-link" in response.content.decode(), name
    totp = client.get(reverse("mfa_activate_totp")).content.decode()
    assert 'class="form-card"' in totp and "Code QR" in totp


def test_totp_activation_then_mfa_is_asked_at_login(client, django_capture_on_commit_callbacks):
    from allauth.mfa.totp.internal.auth import hotp_value

    membership = manager_membership()
    _real_login(client, membership)
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    code = f"{hotp_value(secret, int(time.time()) // 30):06d}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=membership.user, type="totp").exists()
    assert JournalEntry.objects.filter(
        action="accounts.mfa.added",
        actor=membership.user,
        details__kind="application d'authentification",
    ).exists()
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200 and "skip-link" in codes.content.decode()
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": membership.user.email, "password": "mot-de-passe-de-test"},
    )
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    mfa_page = client.get(reverse("mfa_authenticate"))
    assert mfa_page.status_code == 200 and "skip-link" in mfa_page.content.decode()


# --- MFA policy ------------------------------------------------------------------------------


def test_with_mfa_required_a_manager_is_sent_to_totp_activation(client, login, settings):
    settings.PASSNUM_REQUIRE_MFA = True
    login(manager_membership())
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_with_mfa_required_an_org_admin_is_sent_to_totp_activation(client, login, settings):
    settings.PASSNUM_REQUIRE_MFA = True
    login(mediator_membership(role=Role.ORG_ADMIN))
    assert client.get(reverse("home")).url == reverse("mfa_activate_totp")


def test_with_mfa_not_required_a_manager_reaches_home(client, login, settings):
    settings.PASSNUM_REQUIRE_MFA = False
    login(manager_membership())
    assert client.get(reverse("home")).status_code == 200


def test_with_mfa_required_an_evaluator_is_not_asked_for_it(client, login, settings):
    settings.PASSNUM_REQUIRE_MFA = True
    login(evaluator_membership())
    assert client.get(reverse("home")).status_code == 200


def test_with_mfa_required_a_manager_with_totp_reaches_home(client, login, settings):
    settings.PASSNUM_REQUIRE_MFA = True
    membership = manager_membership()
    Authenticator.objects.create(user=membership.user, type=Authenticator.Type.TOTP, data={})
    login(membership)
    assert client.get(reverse("home")).status_code == 200


# --- Login rate limit and inactivity -------------------------------------------------------------


def test_login_is_blocked_after_five_failures_even_with_the_right_password(client):
    user = UserFactory(email="cible@example.org")
    MembershipFactory(user=user)
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": "mauvais-mot-de-passe"}
        )
        assert response.status_code == 200
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "mot-de-passe-de-test"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert "Trop de tentatives" in response.content.decode()


def test_login_works_below_the_limit(client):
    user = UserFactory(email="distrait@example.org")
    for _ in range(4):
        client.post(reverse("account_login"), {"login": user.email, "password": "mauvais"})
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "mot-de-passe-de-test"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert JournalEntry.objects.filter(action="accounts.user.logged_in", actor=user).count() == 1


def test_the_session_ends_after_inactivity(client, login, settings):
    settings.PASSNUM_SESSION_IDLE_SECONDS = 600
    login(evaluator_membership())
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SESSION_LAST_SEEN] = int(time.time()) - 601
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_the_session_survives_activity_within_the_limit(client, login, settings):
    settings.PASSNUM_SESSION_IDLE_SECONDS = 600
    login(evaluator_membership())
    client.get(reverse("home"))
    session = client.session
    session[SESSION_LAST_SEEN] = int(time.time()) - 599
    session.save()
    assert client.get(reverse("home")).status_code == 200


def test_the_mfa_redirect_says_why(client, login, settings):
    settings.PASSNUM_REQUIRE_MFA = True
    login(manager_membership())
    page = client.get(reverse("home"), follow=True)
    assert "Votre rôle demande la double authentification" in page.content.decode()


def test_the_technical_admin_logs_in_through_allauth_only(client):
    """The admin's own password-only form would skip two-factor authentication and the
    login rate limits: it sends to the application's login page instead."""
    UserFactory(email="technique@example.org", is_staff=True, is_superuser=True)
    response = client.get("/gestion-technique/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post(
        "/gestion-technique/login/",
        {"username": "technique@example.org", "password": "mot-de-passe-de-test"},
    )
    assert "_auth_user_id" not in client.session


def test_behind_a_trusted_proxy_the_ip_limit_is_per_client(client, settings):
    """With the proxy trusted, 20 failures on unknown e-mails from one person's address tell
    that address to wait, not the others who reach the site through the same proxy; and a
    correct password is never refused because of the address's failures (i11)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for i in range(21):
        client.post(
            reverse("account_login"),
            {"login": f"inconnu{i}@example.org", "password": "mauvais"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
            REMOTE_ADDR="10.0.0.1",
        )
    blocked = client.post(
        reverse("account_login"),
        {"login": UserFactory().email, "password": "mauvais"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        REMOTE_ADDR="10.0.0.1",
    )
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives" in blocked.content.decode()
    other = UserFactory(email="voisin@example.org")
    response = client.post(
        reverse("account_login"),
        {"login": other.email, "password": "mauvais"},
        HTTP_X_FORWARDED_FOR="198.51.100.20",
        REMOTE_ADDR="10.0.0.1",
    )
    assert "Trop de tentatives" not in response.content.decode()
    response = client.post(
        reverse("account_login"),
        {"login": other.email, "password": "mot-de-passe-de-test"},
        HTTP_X_FORWARDED_FOR="198.51.100.20",
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)
