"""The backup and restore drill (`make backup-drill`, run by `.ci/run`).

On the PostgreSQL server of DATABASE_URL: loads the demo into a scratch database, backs it up
with `backup.sh`, restores it with `restore.sh` into another, empty, scratch database and
media folder, then checks that every table has the same number of rows on both sides, and
that every statement's PDF restored has the SHA-256 recorded in the restored database (and
the bytes of the original). Both scratch databases are dropped at the end. Exit status 0 when
the drill passes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m passnum.deploy.backup_drill
"""

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "passnum" / "deploy"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _psql(url: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _env(database_url: str, media: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "PASSNUM_", "REDIS_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="passnum.settings",
        DATABASE_URL=database_url,
        PASSNUM_MEDIA_ROOT=str(media),
    )
    return env


def _run(command, env, label):
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"drill: {label} failed")
    print(f"  {label}: {time.monotonic() - started:.1f} s")
    return result


def _row_counts(url: str) -> dict:
    tables = _psql(
        url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).split()
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
    return dict(line.split("|") for line in _psql(url, sql).splitlines())


def main() -> int:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        print("drill: DATABASE_URL must point to PostgreSQL", file=sys.stderr)
        return 2
    admin = _with_database(base, "postgres")
    suffix = uuid.uuid4().hex[:8]
    source_db, target_db = f"passnum_drill_src_{suffix}", f"passnum_drill_dst_{suffix}"
    source, target = _with_database(base, source_db), _with_database(base, target_db)
    work = Path(tempfile.mkdtemp(prefix="passnum-drill-"))
    source_media, target_media = work / "media-src", work / "media-dst"
    backup_dir = work / "backup"
    _psql(admin, f"CREATE DATABASE {source_db}")
    _psql(admin, f"CREATE DATABASE {target_db}")
    try:
        print("Exercice de sauvegarde et restauration :")
        env = _env(source, source_media)
        _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env, "migrate")
        _run([sys.executable, "manage.py", "demo"], env, "demo")
        _run(["sh", str(DEPLOY / "backup.sh"), str(backup_dir)], env, "make backup")
        _run(
            ["sh", str(DEPLOY / "restore.sh"), str(backup_dir)],
            _env(target, target_media),
            "make restore",
        )

        before, after = _row_counts(source), _row_counts(target)
        if before != after:
            diff = {t: (before.get(t), after.get(t)) for t in set(before) | set(after)}
            diff = {t: v for t, v in diff.items() if v[0] != v[1]}
            raise SystemExit(f"drill: row counts differ: {diff}")
        rows = sum(int(v) for v in after.values())
        print(f"  {len(after)} tables, {rows} rows: same counts on both sides")

        statements = [
            line.split("|")
            for line in _psql(
                target, "SELECT number, file, file_sha256 FROM mediation_statement ORDER BY number"
            ).splitlines()
        ]
        if not statements or any(not file for _n, file, _s in statements):
            raise SystemExit("drill: the demo's statements should all have their PDF")
        for number, file, digest in statements:
            restored, original = target_media / file, source_media / file
            data = restored.read_bytes()
            if hashlib.sha256(data).hexdigest() != digest or data != original.read_bytes():
                raise SystemExit(f"drill: statement {number}: PDF differs from its checksum")
            if stat.S_IMODE(restored.stat().st_mode) != 0o600:
                raise SystemExit(f"drill: statement {number}: restored file is not 0600")
        print(f"  {len(statements)} statements: PDF checksums match")
        print("Exercice réussi.")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for name in (source_db, target_db):
            subprocess.run(
                ["psql", admin, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                capture_output=True,
            )


if __name__ == "__main__":
    sys.exit(main())
