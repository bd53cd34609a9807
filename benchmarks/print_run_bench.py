"""Benchmark (not a test): one print run rendered by real Celery workers, with 1 then 2
worker processes, against Redis and PostgreSQL. Prints the conditions, both times, their
ratio (target ≤ 0.6) and whether both files have the same structure (pages, chequebooks in
order, ten cheques after each cover).

    .venv/bin/python benchmarks/print_run_bench.py [--chequebooks 1000] [--workers 1 2]
        [--rounds 1]

Its database is its own (``passnum_bench_print``, created and migrated by the script; set
BENCH_DATABASE_URL to use another), Redis is ``REDIS_URL`` (default db 4) and its files go to a
throw-away folder. For each worker count the script starts ``celery -A passnum worker
--concurrency N`` (prefork, fair scheduling, prefetch 1), creates the run as a manager does
(its task then goes through Redis), waits for the file and stops the worker. With
``--rounds 2`` the order is 1, 2 then 2, 1, so a change of the machine's load weighs on both.
"""

import argparse
import datetime
import io
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/passnum_bench_print"
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")


def _database_ensure(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"charge {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min), {os.cpu_count()} cœurs"


def _worker_start(concurrency: int, env: dict, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "passnum",
        "worker",
        "--concurrency",
        str(concurrency),
        "--pool",
        "prefork",
        "--prefetch-multiplier",
        "1",
        "-O",
        "fair",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
    ]
    handle = log.open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "ready." in log.read_text(errors="replace"):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    sys.exit(f"Le worker Celery n'a pas démarré : voir {log}")


def _worker_stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _structure(data: bytes, first_number: int) -> tuple:
    """What must not depend on the number of workers: the page count, and for each
    chequebook (relative to the run's first number) its cover page then the ranks of the
    cheques on its sheet, in page order."""
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    layout = []
    for page in pages:
        text = page.extract_text()
        if "Comment utiliser ce chéquier" in text:
            number = int(re.search(r"Chéquier n° (\d+)", text).group(1))
            layout.append(("couverture", number - first_number))
        else:
            cheques = sorted({int(n) for n in re.findall(r"Chèque n° (\d+)", text)})
            layout.append(tuple(n - first_number * 100 for n in cheques))
    return len(pages), tuple(layout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chequebooks", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per run")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="passnum-print-bench-"))
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bench_queue_settings",
        BENCH_CELERY_QUEUE="passnum-print-run-bench",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        PASSNUM_MEDIA_ROOT=str(tmp / "media"),
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONPATH=f"{ROOT / 'benchmarks'}:{ROOT}",
    )
    os.environ.update(env)
    _database_ensure(DATABASE_URL)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from chequebooks.models import PrintRun
    from chequebooks.services import print_run_chunk_size, print_run_create
    from passnum.accounts.models import User
    from passnum.celery import app
    from passnum.organisations.models import Membership, Organisation, OrganisationKind, Role
    from passnum.programme.models import Envelope
    from passnum.programme.services import programme_load_aveyron, vintage_defaults
    from passnum.territory.models import Side

    assert not settings.CELERY_TASK_ALWAYS_EAGER
    programme = programme_load_aveyron()
    vintage = vintage_defaults(programme=programme, year=datetime.date.today().year)
    envelope = Envelope.objects.get(programme=programme, side=Side.CD12)
    owner, _ = Organisation.objects.get_or_create(
        name="CD12 (banc d'impression)", defaults={"kind": OrganisationKind.OWNER}
    )
    user, _ = User.objects.get_or_create(email="banc-impression@passnum.invalid")
    manager, _ = Membership.objects.get_or_create(
        user=user, organisation=owner, defaults={"role": Role.PROGRAMME_MANAGER}
    )
    app.control.purge()  # nothing left in the queue by an interrupted run

    chunk = print_run_chunk_size(args.chequebooks)
    print(
        f"Impression de {args.chequebooks} chéquiers de {vintage.cheques_per_chequebook} "
        f"chèques, par tâches de {chunk} chéquiers ({-(-args.chequebooks // chunk)} tâches) ; "
        f"PostgreSQL {DATABASE_URL.rsplit('/', 1)[1]}, Redis {REDIS_URL} ; {_load()}"
    )
    order = []
    for r in range(args.rounds):
        order += args.workers if r % 2 == 0 else list(reversed(args.workers))
    times, structures = {}, {}
    for workers in order:
        log = tmp / f"worker-{workers}.log"
        process = _worker_start(workers, env, log)
        try:
            load_before = _load()
            t0 = time.monotonic()
            run = print_run_create(
                vintage=vintage,
                envelope=envelope,
                chequebook_count=args.chequebooks,
                membership=manager,
            )
            while True:
                time.sleep(0.5)
                status = PrintRun.objects.values_list("status", flat=True).get(pk=run.pk)
                if status in (PrintRun.Status.DONE, PrintRun.Status.FAILED):
                    break
                if time.monotonic() - t0 > args.timeout:
                    sys.exit(f"{workers} worker(s) : pas fini en {args.timeout} s")
            elapsed = time.monotonic() - t0
            load_after = _load()
        finally:
            _worker_stop(process)
        run.refresh_from_db()
        if run.status != PrintRun.Status.DONE:
            sys.exit(f"{workers} worker(s) : l'impression a échoué : {run.error}")
        times.setdefault(workers, []).append(elapsed)
        structures[workers] = _structure(run.file.read(), run.first_number)
        print(
            f"  {workers} processus worker : {elapsed:.1f} s "
            f"({elapsed / args.chequebooks * 1000:.0f} ms par chéquier), "
            f"{structures[workers][0]} pages, {run.file.size / 1e6:.1f} Mo ; "
            f"avant : {load_before} ; après : {load_after}"
        )
    base = min(args.workers)
    for workers in args.workers:
        if workers == base:
            continue
        ratio = statistics.median(times[workers]) / statistics.median(times[base])
        same = structures[workers] == structures[base]
        print(
            f"rapport {workers} ÷ {base} worker(s) : {ratio:.2f} (cible ≤ 0,6) ; "
            f"structure du fichier identique (pages, chéquiers dans l'ordre) : "
            f"{'oui' if same else 'NON'}"
        )


if __name__ == "__main__":
    main()
