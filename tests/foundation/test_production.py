"""Production settings pass Django's deployment checks with the variables README documents."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PASSNUM_", "DATABASE_", "REDIS_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "passnum.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "passnum.aveyron.fr",
            "DATABASE_URL": "postgres://passnum:secret@db.example:5432/passnum",
            "REDIS_URL": "redis://redis.example:6379/0",
            "PASSNUM_CHEQUE_CODE_KEY": secrets.token_urlsafe(32),
        }
    )
    env.update(overrides)
    return env


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_a_weak_secret_key():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=_production_env(DJANGO_SECRET_KEY="court"),
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "PASSNUM_CHEQUE_CODE_KEY",
    ],
)
def test_production_settings_need_their_variables(missing):
    env = _production_env()
    del env[missing]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_the_demo_is_refused_under_production_settings():
    result = _manage("demo", env=_production_env())
    assert result.returncode != 0
    assert "production" in result.stderr


def test_production_trusts_a_proxy_only_when_one_is_declared():
    """With no proxy declared, X-Forwarded-For is ignored (anyone could set it to dodge the
    per-IP login limit); behind declared proxies, per-IP limits see each person's address,
    not the proxy's (else 20 failures lock everyone out)."""
    code = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    result = _manage("shell", "-c", code, env=_production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0"
    result = _manage("shell", "-c", code, env=_production_env(PASSNUM_TRUSTED_PROXY_COUNT="1"))
    assert result.stdout.strip().splitlines()[-1] == "1"
    result = _manage("shell", "-c", code, env=_production_env(PASSNUM_TRUSTED_PROXY_COUNT="2"))
    assert result.stdout.strip().splitlines()[-1] == "2"
