"""Benchmark (not a test): cheque redemptions per second through the real redemption view on
PostgreSQL, with 1 and 8 concurrent clients, against a minimal view doing one indexed UPDATE
on the same stack (gunicorn, every middleware, the same session and database); their ratio;
and the number of SQL queries per redemption request.

Run: .venv/bin/python benchmarks/mediation_bench.py [--requests 120] [--workers 4]
It (re)creates its own database ``passnum_bench`` on BENCH_PG (default
postgres://postgres@127.0.0.1:5432), starts gunicorn on 127.0.0.1:8765 and stops it.
Each redemption request submits one cheque (number + code) with its activity.
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "passnum_bench"
PORT = 8765
CODE = "K7M9P2QX"


def recreate_database():
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def setup_django():
    os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "mediation_bench_settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_data(chequebooks: int, clients: int):
    """A qualified mediator under agreement, ``clients`` logged-in sessions, handed-out
    chequebooks. Returns (session keys, list of cheque numbers)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from chequebooks.models import Cheque
    from passnum.organisations.middleware import SESSION_KEY as MEMBERSHIP_KEY
    from passnum.programme.models import Envelope
    from passnum.programme.services import programme_load_aveyron, vintage_defaults
    from tests.factories import (
        AgreementFactory,
        HandedOutChequebookFactory,
        MediatorOrganisationFactory,
        MediatorProfileFactory,
        OwnerFactory,
        PlaceFactory,
        mediator_membership,
    )

    programme = programme_load_aveyron()
    from django.utils import timezone

    vintage = vintage_defaults(programme=programme, year=timezone.localdate().year)
    envelope = Envelope.objects.get(programme=programme, side="cd12")
    organisation = MediatorOrganisationFactory(name="Médiation (banc d'essai)")
    MediatorProfileFactory(organisation=organisation, charter_accepted_at=timezone.now())
    PlaceFactory(organisation=organisation)
    AgreementFactory(mediator=organisation, counterpart=OwnerFactory())
    sessions = []
    for _ in range(clients):
        membership = mediator_membership(organisation=organisation)
        store = SessionStore()
        store[SESSION_KEY] = str(membership.user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
        store[MEMBERSHIP_KEY] = membership.pk
        store.create()
        sessions.append(store.session_key)
    for _ in range(chequebooks):
        HandedOutChequebookFactory(vintage=vintage, envelope=envelope)
    numbers = list(Cheque.objects.order_by("number").values_list("number", flat=True))
    return sessions, numbers


def count_queries(numbers):
    """SQL queries of one redemption request and one minimal request, in process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mediation.models import Redemption
    from passnum.organisations.models import Membership

    membership = Membership.objects.filter(organisation__name="Médiation (banc d'essai)").first()
    client = Client()
    client.force_login(membership.user)
    client.get("/mediation/encaisser/")
    counts = {}
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/mediation/encaisser/", form_data(numbers.pop(), "count-1"))
    assert response.status_code == 302, response.status_code
    counts["redeem"] = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        client.post("/mediation/banc/update/", {"number": numbers[0]})
    counts["minimal"] = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        client.post("/mediation/encaisser/", form_data(numbers.pop(), "count-2", lines=3))
    counts["redeem_page_post_3_lines_refused"] = len(ctx.captured_queries)
    assert Redemption.objects.count() >= 1
    return counts


def form_data(number, token, *, lines=1):
    data = {
        "token": token,
        "kind": "individual",
        "date": time.strftime("%Y-%m-%d"),
        "duration_minutes": "60",
        "themes": ["email"],
        "referral": "",
        "place": "",
        "notes": "",
    }
    for i in range(1, lines + 1):
        data[f"number_{i}"] = str(number if i == 1 else 900000000 + i)
        data[f"code_{i}"] = CODE
    return data


def start_server(workers: int):
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{HERE}:{ROOT}"
    env["DJANGO_SETTINGS_MODULE"] = "mediation_bench_settings"
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "passnum.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
        ],
        env=env,
        start_new_session=True,
    )
    import requests

    for _ in range(60):
        try:
            requests.get(f"http://127.0.0.1:{PORT}/compte/login/", timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    stop_server(process)
    raise RuntimeError("gunicorn did not start")


def stop_server(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def client_session(session_key):
    import re

    import requests

    s = requests.Session()
    s.cookies.set("sessionid", session_key, domain="127.0.0.1")
    page = s.get(f"http://127.0.0.1:{PORT}/mediation/encaisser/", timeout=60)
    assert page.status_code == 200, page.status_code
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return s, csrf


def run(kind, sessions, numbers, clients, per_client):
    """``clients`` threads, each sending ``per_client`` requests. Returns requests/s."""
    lock = threading.Lock()
    prepared = [client_session(sessions[i]) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)
    failures = []

    def work(s, csrf):
        barrier.wait()
        for _ in range(per_client):
            with lock:
                number = numbers.pop()
            if kind == "redeem":
                data = form_data(number, secrets.token_urlsafe(12))
                url = f"http://127.0.0.1:{PORT}/mediation/encaisser/"
            else:
                data = {"number": number}
                url = f"http://127.0.0.1:{PORT}/mediation/banc/update/"
            data["csrfmiddlewaretoken"] = csrf
            r = s.post(
                url,
                timeout=60,
                data=data,
                allow_redirects=False,
                headers={"Referer": f"http://127.0.0.1:{PORT}/"},
            )
            expected = 302 if kind == "redeem" else 200
            if r.status_code != expected:
                failures.append((r.status_code, r.text[:300]))

    threads = [threading.Thread(target=work, args=p) for p in prepared]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if failures:
        raise RuntimeError(f"{len(failures)} failed requests, first: {failures[0]}")
    return clients * per_client / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=120, help="requests per measurement")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = parser.parse_args()
    total = args.requests * 2 + 40  # cheques for the 1- and 8-client redemption runs
    print(f"Préparation de la base {DB_NAME}…", flush=True)
    recreate_database()
    setup_django()
    sessions, numbers = make_data(chequebooks=total // 10 + 2, clients=8)
    numbers.reverse()  # pop() takes the smallest first
    update_numbers = list(numbers)  # the minimal view updates cheques, redeeming none
    redeem_numbers = numbers
    print("Comptage des requêtes SQL…", flush=True)
    queries = count_queries(redeem_numbers)
    from django.db import connections

    connections.close_all()
    print("Démarrage de gunicorn…", flush=True)
    server = start_server(args.workers)
    results = {}
    try:
        for clients in (1, 8):
            per_client = max(args.requests // clients, 1)
            print(f"Mesure avec {clients} client(s)…", flush=True)
            # Warm-up (not timed): every worker imports its code and opens its connection.
            run("minimal", sessions, list(update_numbers), clients, 2)
            results[("minimal", clients)] = run(
                "minimal", sessions, list(update_numbers), clients, per_client
            )
            results[("redeem", clients)] = run(
                "redeem", sessions, redeem_numbers, clients, per_client
            )
    finally:
        stop_server(server)

    from mediation.models import Redemption

    print()
    print(
        f"PostgreSQL, gunicorn {args.workers} workers sync, {os.cpu_count()} CPU, "
        f"{args.requests} requêtes par mesure, 1 chèque par encaissement"
    )
    print(f"{'clients':>8} {'encaissements/s':>16} {'UPDATE minimal/s':>17} {'rapport':>8}")
    for clients in (1, 8):
        redeem, minimal = results[("redeem", clients)], results[("minimal", clients)]
        print(f"{clients:>8} {redeem:>16.1f} {minimal:>17.1f} {redeem / minimal:>8.2f}")
    print(f"Requêtes SQL par requête d'encaissement (1 chèque) : {queries['redeem']}")
    print(f"Requêtes SQL par requête minimale (UPDATE indexé)   : {queries['minimal']}")
    print(
        f"Requêtes SQL, saisie de 3 lignes refusée           : "
        f"{queries['redeem_page_post_3_lines_refused']}"
    )
    print(
        f"Encaissements enregistrés : {Redemption.objects.count()} "
        f"(dont 1 pour le comptage des requêtes)"
    )


if __name__ == "__main__":
    main()
