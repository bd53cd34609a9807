"""Issue 10: docker-compose.yml starts in order, with healthchecks, loud secrets and two
database roles. Docker's engine does not run on the development machine, so the file is read
and checked here; the roles' init script and grants are run on PostgreSQL for real."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def test_web_worker_and_beat_wait_for_migrate_and_healthy_stores(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["db"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
        assert "migrate" not in " ".join(map(str, services[name]["command"])), name
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    assert set(migrate["depends_on"]) == {"db", "redis"}
    command = " ".join(migrate["command"])
    assert "manage.py migrate" in command and "passnum.deploy.app_grants" in command
    assert command.index("migrate --noinput") < command.index("app_grants")


def test_every_long_running_service_has_a_healthcheck(compose):
    services = compose["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "passnum.deploy.healthcheck" in services["web"]["healthcheck"]["test"]
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert (ROOT / "passnum/deploy/healthcheck.py").exists()


def test_secrets_fail_loudly_and_nothing_defaults_silently():
    text = COMPOSE.read_text()
    for var in (
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "PASSNUM_CHEQUE_CODE_KEY",
        "POSTGRES_PASSWORD",
        "PASSNUM_DB_OWNER_PASSWORD",
        "PASSNUM_DB_APP_PASSWORD",
    ):
        uses = re.findall(r"\$\{" + var + r"(:[?-][^}]*)?\}", text)
        assert uses and all(u.startswith(":?") for u in uses), var


def test_two_database_roles_port_on_loopback_no_proxy_trusted(compose):
    services = compose["services"]
    app_url = services["web"]["environment"]["DATABASE_URL"]
    owner_url = services["migrate"]["environment"]["DATABASE_URL"]
    assert app_url.startswith("postgres://passnum_app:")
    assert owner_url.startswith("postgres://passnum_owner:")
    for name in ("worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"] == app_url
    assert "./passnum/deploy/initdb:/docker-entrypoint-initdb.d:ro" in services["db"]["volumes"]
    assert services["web"]["ports"] == ["${PASSNUM_BIND:-127.0.0.1}:${PASSNUM_PORT:-8000}:8000"]
    assert services["web"]["environment"]["PASSNUM_TRUSTED_PROXY_COUNT"] == (
        "${PASSNUM_TRUSTED_PROXY_COUNT:-0}"
    )


def test_stop_grace_and_beats_schedule_in_the_database(compose):
    services = compose["services"]
    assert services["worker"]["stop_grace_period"] == "5m"
    assert services["web"]["stop_grace_period"] == "2m"
    beat = " ".join(services["beat"]["command"])
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat
    assert services["beat"]["environment"]["PASSNUM_BEAT_TIMES"] == "${PASSNUM_BEAT_TIMES:-}"


# --- The roles, for real on PostgreSQL ------------------------------------------------------


def _psql(dsn_db, sql, *, user="postgres", password=None, check=True):
    env = dict(os.environ, PGPASSWORD=password or "")
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", user, "-d", dsn_db, "-v", "ON_ERROR_STOP=1", "-c", sql],
        env=env,
        capture_output=True,
        text=True,
        check=check,
    )


@pytest.mark.postgres
def test_the_init_script_and_grants_give_the_app_role_no_update_on_the_journal(db):
    """The db container's init script makes the two roles; migrations run as the owner; the
    application's role then writes rows but cannot change or empty the journal."""
    name = f"passnum_i10_roles_{uuid.uuid4().hex[:8]}"
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {name}"],
        check=True,
        capture_output=True,
    )
    for role in ("passnum_app", "passnum_owner"):  # left over from an earlier run
        for sql in (f"DROP OWNED BY {role}", f"DROP ROLE IF EXISTS {role}"):
            _psql("postgres", sql, check=False)
    try:
        env = dict(
            os.environ,
            POSTGRES_USER="postgres",
            POSTGRES_DB=name,
            PGHOST="127.0.0.1",
            PASSNUM_DB_OWNER_PASSWORD="owner-pw",
            PASSNUM_DB_APP_PASSWORD="app-pw",
        )
        subprocess.run(
            ["sh", str(ROOT / "passnum/deploy/initdb/10-passnum-roles.sh")],
            env=env,
            check=True,
            capture_output=True,
        )
        owner_env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "PASSNUM_"))
        }
        owner_env.update(
            DJANGO_SETTINGS_MODULE="passnum.settings",
            DATABASE_URL=f"postgres://passnum_owner:owner-pw@127.0.0.1:5432/{name}",
        )
        for command in (
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            [sys.executable, "-m", "passnum.deploy.app_grants"],
        ):
            result = subprocess.run(command, cwd=ROOT, env=owner_env, capture_output=True)
            assert result.returncode == 0, result.stderr.decode()[-2000:]
        app = {"user": "passnum_app", "password": "app-pw"}
        insert = (
            "INSERT INTO audit_journalentry (action, details, target_id, "
            "target_repr, created_at) VALUES ('t', '{}', '', '', now())"
        )
        assert _psql(name, insert, **app, check=False).returncode == 0
        for sql in (
            "UPDATE audit_journalentry SET action = 'x'",
            "DELETE FROM audit_journalentry",
            "TRUNCATE audit_journalentry",
            "CREATE TABLE intruder (id int)",
        ):
            result = _psql(name, sql, **app, check=False)
            assert result.returncode != 0 and "permission denied" in result.stderr, sql
        # Ordinary rows: read, write, change, delete.
        assert _psql(name, "DELETE FROM django_session", **app, check=False).returncode == 0
    finally:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE {name}"],
            capture_output=True,
        )
        for role in ("passnum_app", "passnum_owner"):
            _psql("postgres", f"DROP ROLE IF EXISTS {role}", check=False)


def _compose_command():
    import shutil

    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


SECRETS = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "passnum.example.fr",
    "PASSNUM_CHEQUE_CODE_KEY": "k" * 32,
    "POSTGRES_PASSWORD": "p",
    "PASSNUM_DB_OWNER_PASSWORD": "o",
    "PASSNUM_DB_APP_PASSWORD": "a",
}


def test_docker_compose_config_validates_the_file_and_names_a_missing_secret():
    """`docker compose config` (or docker-compose 1.29) parses and validates the file."""
    command = _compose_command()
    if command is None:
        pytest.skip("no docker compose client on this machine")
    base = {k: v for k, v in os.environ.items() if k not in SECRETS}
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "-q"],
        env={**base, **SECRETS},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    missing = {k: v for k, v in SECRETS.items() if k != "PASSNUM_DB_APP_PASSWORD"}
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "-q"],
        env={**base, **missing},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "PASSNUM_DB_APP_PASSWORD" in result.stderr
