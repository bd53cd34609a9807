"""Benchmark (not a test): cheque redemptions per second through the real redemption view on
PostgreSQL, against a minimal view doing one indexed UPDATE on the same stack (gunicorn, every
middleware, the same session and database), measured in ONE interleaved run: each round
measures both, one after the other (alternating which goes first), at 1 and at 8 clients.
Every figure is printed with its condition (clients, gunicorn workers, CPUs, load, database
size) and the ratio redemption ÷ minimal of the same round (median and range over rounds);
then the SQL queries per request, counted in process as the tests count them.

Run: .venv/bin/python benchmarks/mediation_bench.py [--requests 120] [--workers 4]
     [--rounds 5] [--scale-cheques 90000]
It (re)creates its own database ``passnum_bench`` (BENCH_DB) on BENCH_PG (default
postgres://postgres@127.0.0.1:5432), fills it with a year's programme (``generate_scale``,
``--scale-cheques`` cheques; 0 for an almost empty database), starts gunicorn on
127.0.0.1:8765 (BENCH_PORT) and stops it. Each redemption request submits one cheque
(number + code) with its activity, from a mediator (role without MFA) under production-like settings
(PASSNUM_REQUIRE_MFA on, DEBUG off).
"""

import argparse
import os
import secrets
import signal
import statistics
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
DB_NAME = os.environ.get("BENCH_DB", "passnum_bench")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CODE = "K7M9P2QX"


def recreate_database():
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def setup_django(scale_cheques: int):
    os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "mediation_bench_settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if scale_cheques:
        call_command("generate_scale", cheques=scale_cheques, verbosity=0)


def database_size() -> str:
    from django.db import connection

    from chequebooks.models import Cheque
    from mediation.models import Redemption

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    return (
        f"{Cheque.objects.count():,} chèques, {Redemption.objects.count():,} encaissements, "
        f"{size}".replace(",", "\u202f")
    )


def make_data(chequebooks: int, clients: int):
    """A qualified mediator under agreement, ``clients`` logged-in sessions, handed-out
    chequebooks. Returns (session keys, list of cheque numbers)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from chequebooks.models import Cheque
    from passnum.organisations.middleware import SESSION_KEY as MEMBERSHIP_KEY
    from passnum.organisations.models import Role
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
        membership = mediator_membership(organisation=organisation, role=Role.MEDIATOR)
        store = SessionStore()
        store[SESSION_KEY] = str(membership.user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
        store[MEMBERSHIP_KEY] = membership.pk
        store.create()
        sessions.append(store.session_key)
    books = [
        HandedOutChequebookFactory(vintage=vintage, envelope=envelope).pk
        for _ in range(chequebooks)
    ]
    numbers = list(
        Cheque.objects.filter(chequebook__in=books)
        .order_by("number")
        .values_list("number", flat=True)
    )
    return sessions, numbers


def count_queries(numbers):
    """SQL queries of redemption requests (1 and 10 cheques, a refused 3-line one) and of a
    minimal request, in process, BEGIN and COMMIT included (as Django logs them)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from passnum.organisations.models import Membership

    membership = Membership.objects.filter(organisation__name="Médiation (banc d'essai)").first()
    client = Client()
    client.force_login(membership.user)
    client.get("/mediation/encaisser/")
    counts = {}
    # A first redemption (not counted): what a process reads once (content types) is read.
    assert (
        client.post("/mediation/encaisser/", form_data([numbers.pop()], "warm")).status_code == 302
    )

    def count(name, url, data, expected):
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(url, data)
        assert response.status_code == expected, (name, response.status_code)
        counts[name] = len(ctx.captured_queries)

    count("redeem_1", "/mediation/encaisser/", form_data([numbers.pop()], "count-1"), 302)
    ten = [numbers.pop() for _ in range(10)]
    count("redeem_10", "/mediation/encaisser/", form_data(ten, "count-10"), 302)
    count("minimal", "/mediation/banc/update/", {"number": numbers[0]}, 200)
    refused = [numbers.pop(), 900000001, 900000002]
    count("refused_3", "/mediation/encaisser/", form_data(refused, "count-3"), 200)
    return counts


def form_data(numbers, token):
    data = {
        "token": token,
        "kind": "workshop" if len(numbers) > 1 else "individual",
        "date": time.strftime("%Y-%m-%d"),
        "duration_minutes": "60",
        "themes": ["email"],
        "referral": "",
        "place": "",
        "notes": "",
    }
    for i, number in enumerate(numbers, start=1):
        data[f"number_{i}"] = str(number)
        data[f"code_{i}"] = CODE
    return data


def start_server(workers: int):
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{HERE}:{ROOT}"
    env["DJANGO_SETTINGS_MODULE"] = "mediation_bench_settings"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
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
                data = form_data([number], secrets.token_urlsafe(12))
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
            # The redemption's success message waits in a cookie for the page it redirects
            # to, which a browser opens at once and which consumes it: the bench does not
            # follow the redirect, so it drops the message as that page would (otherwise
            # every later request would carry and re-sign a growing pile of messages).
            s.cookies.pop("messages", None)
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


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"charge {one:.1f} (1 min) / {five:.1f} (5 min)"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=120, help="requests per measurement")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument(
        "--scale-cheques", type=int, default=90_000, help="cheques of the generated programme"
    )
    args = parser.parse_args()
    clients_list = (1, 8)
    per_round = sum(max(args.requests // c, 1) * c for c in clients_list)
    total = per_round * args.rounds + 40  # redemption runs, then the query counts
    print(f"Préparation de la base {DB_NAME}…", flush=True)
    recreate_database()
    setup_django(args.scale_cheques)
    sessions, numbers = make_data(chequebooks=total // 10 + 2, clients=8)
    numbers.reverse()  # pop() takes the smallest first
    update_numbers = list(numbers)  # the minimal view updates cheques, redeeming none
    redeem_numbers = numbers
    print("Comptage des requêtes SQL…", flush=True)
    queries = count_queries(redeem_numbers)
    size_before = database_size()
    from django.db import connections

    connections.close_all()
    print("Démarrage de gunicorn…", flush=True)
    server = start_server(args.workers)
    rates = {(kind, c): [] for kind in ("minimal", "redeem") for c in clients_list}
    ratios = {c: [] for c in clients_list}
    loads = [load()]
    try:
        for clients in clients_list:  # warm-up (not timed): imports, connections
            run("minimal", sessions, list(update_numbers), clients, 2)
        for r in range(args.rounds):
            for clients in clients_list:
                per_client = max(args.requests // clients, 1)
                order = ("minimal", "redeem") if r % 2 == 0 else ("redeem", "minimal")
                got = {}
                for kind in order:
                    source = redeem_numbers if kind == "redeem" else list(update_numbers)
                    got[kind] = run(kind, sessions, source, clients, per_client)
                    rates[(kind, clients)].append(got[kind])
                ratios[clients].append(got["redeem"] / got["minimal"])
                print(
                    f"  tour {r + 1}, {clients} client(s) : encaissement {got['redeem']:.1f}/s, "
                    f"minimal {got['minimal']:.1f}/s, rapport {ratios[clients][-1]:.2f}",
                    flush=True,
                )
            loads.append(load())
    finally:
        stop_server(server)

    print()
    print(
        f"Conditions : PostgreSQL, gunicorn {args.workers} workers sync, {os.cpu_count()} CPU, "
        f"{args.rounds} tours entrelacés de {args.requests} requêtes par mesure, "
        f"1 chèque par encaissement"
    )
    print(f"Base : {size_before} (au début des mesures)")
    print(f"Charge de la machine pendant les mesures : {', '.join(loads)}")
    print()
    print(
        f"{'clients':>8} {'encaissements/s':>16} {'UPDATE minimal/s':>17} "
        f"{'rapport (médiane)':>18} {'rapport min–max':>16}"
    )
    for clients in clients_list:
        redeem = statistics.median(rates[("redeem", clients)])
        minimal = statistics.median(rates[("minimal", clients)])
        ratio = statistics.median(ratios[clients])
        spread = f"{min(ratios[clients]):.2f}–{max(ratios[clients]):.2f}"
        print(f"{clients:>8} {redeem:>16.1f} {minimal:>17.1f} {ratio:>18.2f} {spread:>16}")
    print()
    print("Requêtes SQL par requête (BEGIN et COMMIT compris) :")
    print(f"  encaissement, 1 chèque                : {queries['redeem_1']}")
    print(f"  encaissement, 10 chèques              : {queries['redeem_10']}")
    print(f"  saisie de 3 lignes refusée            : {queries['refused_3']}")
    print(f"  requête minimale (UPDATE indexé)      : {queries['minimal']}")


if __name__ == "__main__":
    main()
