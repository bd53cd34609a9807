"""Issue 10, end to end: README's "Deploying" commands, in order, on an empty PostgreSQL
database with the production settings, HTTPS on behind a (simulated) TLS proxy: migrate,
collectstatic, bootstrap; gunicorn and a Celery worker started; the invitation e-mailed by the
worker carries the link bootstrap printed last; the manager accepts it, sets up two-factor
authentication (required in production) and finds the current vintage offered for a print
run."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "passnum.example.fr"
EMAIL = "premiere.gestionnaire@aveyron.fr"
PASSWORD = "un-mot-de-passe-tres-solide-2026"

pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


class Browser:
    """A client behind the TLS proxy: https as the scheme it forwards, cookies kept by hand
    (they are Secure, and the proxy speaks plain HTTP to gunicorn)."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = {}

    def _headers(self, path):
        return {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{HOST}{path}",
            "Origin": f"https://{HOST}",
        }

    def request(self, method, path, data=None):
        response = requests.request(
            method,
            self.base + path,
            data=data,
            headers=self._headers(path),
            cookies=self.cookies,
            allow_redirects=False,
            timeout=60,
        )
        for cookie in response.cookies:
            assert cookie.secure, cookie.name  # HTTPS on: every cookie is Secure
            self.cookies[cookie.name] = cookie.value
        return response

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, data):
        data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        return self.request("POST", path, data)

    def follow(self, response):
        while response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            path = urlsplit(location).path + (
                "?" + urlsplit(location).query if urlsplit(location).query else ""
            )
            response = self.get(path)
        return response


@pytest.fixture
def empty_database():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("needs DATABASE_URL on PostgreSQL")
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL (the production settings queue tasks)")
    name = f"passnum_i10_deploy_{uuid.uuid4().hex[:8]}"
    admin = _database_url("postgres")
    subprocess.run(
        ["psql", admin, "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True
    )
    yield _database_url(name)
    subprocess.run(
        ["psql", admin, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True
    )


def test_readme_deploying_commands_lead_to_a_manager_logged_in_ready_to_print(
    empty_database, tmp_path
):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PASSNUM_", "DATABASE_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="passnum.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL=empty_database,
        REDIS_URL=os.environ["REDIS_URL"],
        PASSNUM_CHEQUE_CODE_KEY=secrets.token_urlsafe(32),
        PASSNUM_MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        # The worker "sends" e-mails to its output, where the test reads them.
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        return result.stdout

    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    link = manage("bootstrap", "--email", EMAIL).strip().splitlines()[-1]
    assert link.startswith(f"https://{HOST}/compte/invitation/")

    port = _free_port()
    worker_log = tmp_path / "worker.log"
    with open(worker_log, "w") as log:
        worker = subprocess.Popen(
            [str(BIN / "celery"), "-A", "passnum", "worker", "--pool=solo", "--loglevel=info"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "passnum.wsgi:application", f"--bind=127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        browser = Browser(port)
        for _ in range(60):
            try:
                if browser.get("/sante/").status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        health = browser.get("/sante/")
        assert health.json() == {"database": "ok", "cache": "ok", "broker": "ok"}

        # The worker sent the invitation: the same link as bootstrap's last line.
        for _ in range(60):
            if link in worker_log.read_text():
                break
            time.sleep(0.5)
        assert link in worker_log.read_text(), worker_log.read_text()[-3000:]

        # Plain HTTP (no proxy saying https) is redirected.
        plain = requests.get(
            browser.base + "/compte/login/", headers={"Host": HOST}, allow_redirects=False
        )
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")

        path = urlsplit(link).path
        page = browser.get(path)
        assert page.status_code == 200 and "Gestionnaire du programme" in page.text
        response = browser.post_form(
            path,
            {
                "first_name": "Claire",
                "last_name": "Première",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert response.status_code == 302, response.text[-2000:]
        page = browser.follow(response)
        # Production requires two-factor authentication of a programme manager; setting it
        # up asks for the password again.
        assert "2fa" in page.url
        if "/compte/reauthenticate/" in page.url:
            parts = urlsplit(page.url)
            page = browser.follow(
                browser.post_form(f"{parts.path}?{parts.query}", {"password": PASSWORD})
            )
        if 'name="code"' not in page.text:
            page = browser.follow(browser.get("/compte/2fa/totp/activate"))
        secret = re.search(r'value="([A-Z2-7]{16,})"', page.text).group(1)
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        activation = urlsplit(page.url).path
        response = browser.post_form(activation, {"code": code})
        assert response.status_code == 302, response.text[-2000:]
        browser.follow(response)

        home = browser.get("/")
        assert home.status_code == 200 and "Claire" in home.text
        form = browser.get("/cheques/impressions/nouvelle/")
        assert form.status_code == 200
        year = time.localtime().tm_year
        assert re.search(rf"<option[^>]*>[^<]*{year}", form.text), form.text[-3000:]
        assert form.headers["Cache-Control"] == "no-store, private"
        assert "script-src 'self'" in form.headers["Content-Security-Policy"]
    finally:
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
