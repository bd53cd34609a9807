"""Issue 10: private files, the HTTPS switch, headers, French error pages, one invitation
service, the bootstrap command."""

import os
import stat

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from passnum.core.storage import PrivateFileSystemStorage
from passnum.organisations.models import Invitation, Membership, Organisation, OrganisationKind
from passnum.programme.models import Programme, Vintage
from passnum.settings.base import beat_schedule_with_times, https_settings
from tests.factories import (
    cd12_beneficiary,
    cd12_desk_agent,
    manager_membership,
)
from tests.foundation.test_production import _manage, _production_env

pytestmark = pytest.mark.django_db


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- Private files ------------------------------------------------------------------------


def test_private_files_are_0600_in_0700_folders(settings, tmp_path):
    root = tmp_path / "media"
    storage = PrivateFileSystemStorage(location=root)
    old_umask = os.umask(0o022)  # the usual umask would give 0644 and 0755
    try:
        name = storage.save("private/print-runs/abc/impression-1.pdf", ContentFile(b"%PDF-1"))
    finally:
        os.umask(old_umask)
    path = root / name
    assert path.read_bytes() == b"%PDF-1"
    assert _mode(path) == 0o600
    for folder in (root, root / "private", root / "private/print-runs", path.parent):
        assert _mode(folder) == 0o700, folder
    assert [p.name for p in path.parent.iterdir()] == ["impression-1.pdf"]  # no temporary left


def test_a_write_killed_midway_leaves_no_file_under_its_name(tmp_path):
    storage = PrivateFileSystemStorage(location=tmp_path)

    class Exploding(ContentFile):
        def chunks(self, chunk_size=None):
            yield b"%PDF-half"
            raise KeyboardInterrupt  # the worker killed mid-way

    with pytest.raises(KeyboardInterrupt):
        storage.save("statements/releve-1.pdf", Exploding(b"x"))
    assert not storage.exists("statements/releve-1.pdf")
    assert list((tmp_path / "statements").iterdir()) == []


def test_the_default_storage_is_the_private_one():
    from django.core.files.storage import default_storage

    assert isinstance(default_storage._wrapped, PrivateFileSystemStorage) or isinstance(
        default_storage, PrivateFileSystemStorage
    )


def test_the_print_file_with_codes_in_clear_is_0600(settings, django_capture_on_commit_callbacks):
    from chequebooks.services import print_run_create
    from tests.factories import VintageFactory, cd12_envelope

    with django_capture_on_commit_callbacks(execute=True):
        run = print_run_create(
            vintage=VintageFactory(),
            envelope=cd12_envelope(),
            chequebook_count=1,
            membership=manager_membership(),
        )
    run.refresh_from_db()
    path = run.file.path
    assert _mode(path) == 0o600
    folder = os.path.dirname(path)
    while os.path.abspath(folder) != os.path.abspath(settings.MEDIA_ROOT):
        assert _mode(folder) == 0o700, folder
        folder = os.path.dirname(folder)
    assert _mode(settings.MEDIA_ROOT) == 0o700


# --- HTTPS, one switch ----------------------------------------------------------------------


def test_the_https_switch_decides_cookies_redirect_and_hsts_together():
    on, off = https_settings(True), https_settings(False)
    assert on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"] and on["SECURE_SSL_REDIRECT"]
    assert on["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert not off["SESSION_COOKIE_SECURE"] and not off["CSRF_COOKIE_SECURE"]
    assert not off["SECURE_SSL_REDIRECT"] and off["SECURE_HSTS_SECONDS"] == 0


def _login_over_plain_http(client, user):
    page = client.get(reverse("account_login"), HTTP_HOST="passnum.example.fr")
    return page, client.post(
        reverse("account_login"),
        {"login": user.email, "password": "mot-de-passe-tres-long"},
        HTTP_HOST="passnum.example.fr",
    )


def test_login_over_plain_http_works_with_https_off(settings):
    settings.ALLOWED_HOSTS = ["passnum.example.fr"]
    for key, value in https_settings(False).items():
        setattr(settings, key, value)
    member = manager_membership()
    member.user.set_password("mot-de-passe-tres-long")
    member.user.save()
    client = Client(enforce_csrf_checks=True)
    page, response = _login_over_plain_http(client, member.user)
    assert page.status_code == 200
    assert "secure" not in str(page.cookies["csrftoken"]).lower()
    # The CSRF cookie came over plain HTTP and goes back: the login goes through.
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("account_login"),
        {
            "login": member.user.email,
            "password": "mot-de-passe-tres-long",
            "csrfmiddlewaretoken": token,
        },
        HTTP_HOST="passnum.example.fr",
    )
    assert response.status_code == 302
    session_cookie = response.cookies["sessionid"]
    assert not session_cookie["secure"] and session_cookie["httponly"]
    assert "Strict-Transport-Security" not in response.headers


def test_with_https_on_plain_http_is_redirected_and_cookies_are_secure(settings):
    settings.ALLOWED_HOSTS = ["passnum.example.fr"]
    for key, value in https_settings(True).items():
        setattr(settings, key, value)
    client = Client()
    response = client.get(reverse("account_login"), HTTP_HOST="passnum.example.fr")
    assert response.status_code == 301
    assert response.headers["Location"] == "https://passnum.example.fr" + reverse("account_login")
    page = client.get(reverse("account_login"), HTTP_HOST="passnum.example.fr", secure=True)
    assert page.status_code == 200
    assert page.cookies["csrftoken"]["secure"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_refuses_plain_http_unless_told_explicitly():
    code = (
        "from django.conf import settings; "
        "print(settings.SESSION_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT, "
        "settings.SECURE_HSTS_SECONDS)"
    )
    result = _manage("shell", "-c", code, env=_production_env())
    assert result.stdout.strip().splitlines()[-1] == "True True 31536000"
    result = _manage("shell", "-c", code, env=_production_env(PASSNUM_HTTPS="false"))
    assert result.returncode != 0 and "PASSNUM_ALLOW_PLAIN_HTTP" in result.stderr
    env = _production_env(PASSNUM_HTTPS="false", PASSNUM_ALLOW_PLAIN_HTTP="true")
    result = _manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False 0"


# --- Headers --------------------------------------------------------------------------------


def test_every_page_has_a_strict_csp_and_a_permissions_policy(client):
    response = client.get(reverse("account_login"))
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_pages_and_files_with_personal_data_are_no_store(login):
    agent = cd12_desk_agent()
    person = cd12_beneficiary(agent.organisation)
    client = login(agent)
    for name in ("person_detail", "person_export"):
        response = client.get(reverse(f"orientation:{name}", args=[person.pk]))
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store, private", name
    response = client.get(reverse("orientation:person_list"))
    assert response.headers["Cache-Control"] == "no-store, private"


def test_templates_have_no_inline_script_or_style():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in (root / "templates").rglob("*.html"):
        if "pdf" in str(path) or path.name in ("referral_sheet.html", "person_export.html"):
            continue  # PDFs (WeasyPrint) are not pages: no CSP applies to them
        text = path.read_text()
        if re.search(r"\sstyle=|<style|<script(?![^>]*\bsrc=)(?![^>]*application/json)", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


# --- French error pages, DEBUG off ----------------------------------------------------------


@override_settings(DEBUG=False)
def test_the_404_page_is_french_in_the_sites_look(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Page introuvable" in text and 'lang="fr"' in text and "passnum.css" in text
    assert "Content-Security-Policy" in response.headers


@override_settings(DEBUG=False, ALLOWED_HOSTS=["passnum.example.fr"])
def test_the_400_and_403_pages_are_french(client):
    response = client.get("/", HTTP_HOST="ailleurs.example")
    assert response.status_code == 400 and "Requête incorrecte" in response.content.decode()
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(reverse("account_login"), {}, HTTP_HOST="passnum.example.fr")
    assert response.status_code == 403 and "Formulaire expiré" in response.content.decode()


def test_the_500_page_is_french_without_any_context():
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Erreur du serveur" in response.content.decode()


# --- One invitation service -----------------------------------------------------------------


def test_a_mediator_invited_from_its_page_gets_the_email_after_commit(
    login, reference_data, django_capture_on_commit_callbacks
):
    from passnum.territory.models import Commune

    client = login(manager_membership())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("mediation:mediator_invite"),
            {
                "name": "Nouveau lieu",
                "commune": Commune.objects.first().pk,
                "email": "Admin@Nouveau.example",
                "first_name": "Ana",
                "last_name": "Lys",
            },
        )
    assert response.status_code == 302
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@nouveau.example"]
    assert "Nouveau lieu" in message.subject
    link = next(line for line in message.body.splitlines() if "/compte/invitation/" in line)
    assert link.startswith("http://testserver/compte/invitation/")
    assert Client().get(link.replace("http://testserver", "")).status_code == 200


def test_a_teams_invitation_goes_through_the_same_service(
    login, django_capture_on_commit_callbacks
):
    agent = cd12_desk_agent()
    client = login(manager_membership())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:invite", args=[agent.organisation.pk]),
            {"email": "collegue@desk.example", "role": "evaluator"},
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["collegue@desk.example"]]


# --- Beat schedule --------------------------------------------------------------------------


def test_beat_times_are_overridable_and_the_schedule_lives_in_the_database(settings):
    schedule = beat_schedule_with_times(
        settings.CELERY_BEAT_SCHEDULE, {"mediation-statements-monthly": "15 7 2 * *"}
    )
    moved = schedule["mediation-statements-monthly"]["schedule"]
    assert moved.minute == {15} and moved.hour == {7} and moved.day_of_month == {2}
    assert schedule["mediation-statements-monthly"]["task"].endswith("statements_issue_monthly")
    with pytest.raises(ValueError):
        beat_schedule_with_times(settings.CELERY_BEAT_SCHEDULE, {"nope": "0 0 * * *"})
    assert settings.CELERY_BEAT_SCHEDULER.startswith("django_celery_beat")


# --- Bootstrap ------------------------------------------------------------------------------


def _bootstrap(email="chef@aveyron.fr") -> list[str]:
    from io import StringIO

    out = StringIO()
    call_command("bootstrap", email=email, stdout=out)
    return out.getvalue().strip().splitlines()


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Programme, Vintage, Organisation, Membership, Invitation)
    }


def test_bootstrap_installs_the_programme_and_invites_the_first_manager(
    django_capture_on_commit_callbacks,
):
    from django.utils import timezone

    from chequebooks.forms import _running_vintages

    with django_capture_on_commit_callbacks(execute=True):
        lines = _bootstrap()
    link = lines[-1]
    assert link.startswith("http://127.0.0.1:8000/compte/invitation/")
    today = timezone.localdate()
    years = {today.year} | ({today.year + 1} if today.month == 12 else set())
    assert set(_running_vintages().values_list("year", flat=True)) >= years
    programme = Programme.objects.get()
    assert programme.end_year >= max(years)
    owner = Organisation.objects.get(kind=OrganisationKind.OWNER)
    invitation = Invitation.objects.get()
    assert invitation.organisation == owner and invitation.role == "programme_manager"
    assert [m.to for m in mail.outbox] == [["chef@aveyron.fr"]]
    assert link in mail.outbox[0].body

    # Run again, the first link unused: nothing more, a fresh link (the old one stops).
    before = _counts()
    second = _bootstrap()[-1]
    assert _counts() == before and second != link
    assert Client().get(link.replace("http://127.0.0.1:8000", "")).status_code == 404
    page = Client().get(second.replace("http://127.0.0.1:8000", ""))
    assert page.status_code == 200

    # The manager accepts; a third run changes nothing and prints no link.
    client = Client()
    path = second.replace("http://127.0.0.1:8000", "")
    response = client.post(
        path,
        {
            "first_name": "Claire",
            "last_name": "Gestion",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.get().organisation == owner
    before = _counts()
    third = _bootstrap()
    assert _counts() == before
    assert "/compte/invitation/" not in "\n".join(third)
    assert "déjà gestionnaire" in third[-1]


# --- Health ---------------------------------------------------------------------------------


def test_the_health_endpoint_checks_database_cache_and_broker(client, settings):
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert "no-store" in response.headers["Cache-Control"]
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "en échec"}
