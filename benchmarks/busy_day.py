"""A busy day, measured (not a test): a day's mix of work replayed by concurrent users against
gunicorn + PostgreSQL + a Celery worker (Redis), printing p50/p95 per page.

    .venv/bin/python benchmarks/busy_day.py [--users 20 50] [--iterations 3] [--think 0.5 2]

What it does, in its own database (``passnum_bench_busy``, dropped and recreated; set
BENCH_PG for another server) and Redis ``REDIS_URL`` (default db 4):

- a year's programme (``manage.py generate_scale --cheques 90000``: 150 front desks, 40
  mediators, four vintages) and, on top, the day's actors: per virtual user one front desk
  agent (its desk holding the chequebooks it will hand over), one qualified mediator under
  agreement (handed-out chequebooks to redeem) or one programme manager; every account has
  two-factor authentication set up and PASSNUM_REQUIRE_MFA is on, DEBUG off, as in
  production. Sessions are opened in the database (logins are not part of the mix);
- gunicorn (``--gunicorn-workers`` sync workers, 3 as in the Dockerfile) and one Celery
  worker process (the referral e-mails and the detailed exports run there), started and
  stopped by the script;
- for each user count, that many threads, each a person working through its role's round
  ``--iterations`` times, waiting a random ``--think`` seconds between two pages: two in five
  are front desk agents (home, register a person, pre-assessment, hand over a chequebook,
  refer to a place, referral sheet PDF, their stock), two in five mediators (redemption page,
  a whole chequebook of 10 cheques redeemed in one submission, the activity, their list), one
  in five managers (dashboard, stock, a breakdown and its CSV export, the mediators' list, a
  detailed export asked of the worker and its page).

Each request is timed alone (redirects are not followed: the next page is the next request).
Target: p95 < 500 ms at 20 users for every page but PDFs and exports. The load generator
runs on the same machine (its threads take CPU too), which the conditions line says.
"""

import argparse
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "passnum_bench_busy"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")
PORT = int(os.environ.get("BENCH_PORT", "8767"))
BASE = f"http://127.0.0.1:{PORT}"
CODE = "K7M9P2QX"  # tests.factories' code of every factory cheque
#: Pages not held to the 500 ms target: PDFs and exports.
NO_TARGET = ("PDF", "export")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"charge {one:.2f} / {five:.2f} / {fifteen:.2f}"


def _letters(n: int) -> str:
    """A name suffix from a number (names take no digits)."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out += "abcdefghijklmnopqrstuvwxyz"[r]
        if not n:
            return out.capitalize()


def recreate_database():
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def make_world(*, desks: int, mediators: int, managers: int, iterations: int, cheques: int):
    """The programme at a year's scale and the day's actors. Returns the actors (role,
    session key, what they work on) and the number of cheques in the database."""
    import datetime

    from allauth.mfa.models import Authenticator
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from chequebooks.models import Cheque
    from orientation.services import questionnaire_default_create
    from passnum.organisations.middleware import SESSION_KEY as MEMBERSHIP_KEY
    from passnum.organisations.models import Membership, Role
    from passnum.programme.models import Envelope, Service, TargetPublic
    from passnum.programme.services import programme_load_aveyron, vintage_defaults
    from passnum.territory.models import Commune, Side
    from reporting.summaries import summaries_refresh
    from tests.factories import (
        AgreementFactory,
        EpciFrontDeskFactory,
        HandedOutChequebookFactory,
        MediatorProfileFactory,
        OwnerFactory,
        PlaceFactory,
        desk_chequebook,
        evaluator_membership,
        mediator_membership,
    )

    call_command("generate_scale", cheques=cheques)
    programme = programme_load_aveyron()
    vintage = vintage_defaults(programme=programme, year=timezone.localdate().year)
    rodez = Commune.objects.get(name="Rodez")
    envelope = Envelope.objects.get(side=Side.EPCI, epci=rodez.epci)
    cd12 = Envelope.objects.get(side=Side.CD12)
    public = TargetPublic.objects.get(code="epci-familles")
    questionnaire = questionnaire_default_create()
    answers = {}
    for question in questionnaire.questions.all():
        answers[f"q{question.pk}"] = str(question.choices.order_by("pk").first().pk)
    services = list(Service.objects.all())
    number = iter(range(70_000_000, 80_000_000))

    def session_for(membership):
        Authenticator.objects.get_or_create(
            user=membership.user, type=Authenticator.Type.TOTP, defaults={"data": {}}
        )
        store = SessionStore()
        store[SESSION_KEY] = str(membership.user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
        store[MEMBERSHIP_KEY] = membership.pk
        store.create()
        return store.session_key

    actors = {"desk": [], "mediator": [], "manager": []}
    places = []
    for i in range(mediators):
        profile = MediatorProfileFactory(
            organisation__name=f"[banc] Médiation {_letters(i)}",
            charter_accepted_at=timezone.now(),
        )
        place = PlaceFactory(organisation=profile.organisation, commune=rodez)
        place.services.set(services)
        places.append(place.pk)
        AgreementFactory(mediator=profile.organisation, counterpart=OwnerFactory())
        books = [
            HandedOutChequebookFactory(vintage=vintage, envelope=cd12, number=next(number))
            for _ in range(iterations)
        ]
        actors["mediator"].append(
            {
                "session": session_for(mediator_membership(organisation=profile.organisation)),
                "chequebooks": [
                    list(b.cheques.order_by("position").values_list("number", flat=True))
                    for b in books
                ],
            }
        )
    for i in range(desks):
        desk = EpciFrontDeskFactory(
            name=f"[banc] Accueil {_letters(i)}", epci=rodez.epci, commune=rodez
        )
        books = [
            desk_chequebook(desk, vintage=vintage, envelope=envelope, number=next(number))
            for _ in range(iterations)
        ]
        actors["desk"].append(
            {
                "session": session_for(evaluator_membership(organisation=desk)),
                "desk": i,
                "chequebooks": [b.number for b in books],
                "public": public.pk,
                "answers": answers,
                "places": places,
            }
        )
    owner = OwnerFactory(name="[banc] Conseil départemental")
    for _ in range(managers):
        from tests.factories import UserFactory

        membership = Membership.objects.create(
            user=UserFactory(), organisation=owner, role=Role.PROGRAMME_MANAGER
        )
        actors["manager"].append({"session": session_for(membership)})
    summaries_refresh()
    assert vintage.valid_from <= datetime.date.today() <= vintage.valid_until
    return actors, Cheque.objects.count()


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(list)

    def add(self, page, seconds, problem=None):
        with self.lock:
            self.times[page].append(seconds * 1000)
            if problem:
                self.errors[page].append(problem)


class Person:
    """One virtual user: a requests session on its own Django session, timing every page."""

    def __init__(self, session_key, recorder, think):
        import requests

        self.http = requests.Session()
        self.http.cookies.set("sessionid", session_key, domain="127.0.0.1")
        self.recorder = recorder
        self.think = think

    def _csrf(self):
        return self.http.cookies.get("csrftoken", domain="127.0.0.1") or self.http.cookies.get(
            "csrftoken"
        )

    def request(self, page, method, path, *, data=None, expect=(200,)):
        time.sleep(random.uniform(*self.think))
        if method == "POST":
            data = dict(data or {}, csrfmiddlewaretoken=self._csrf())
        t = time.monotonic()
        try:
            response = self.http.request(
                method,
                path if path.startswith("http") else BASE + path,
                data=data,
                allow_redirects=False,
                timeout=120,
                headers={"Referer": BASE + "/"},
            )
            response.content  # noqa: B018 - read the whole body inside the timing
        except Exception as exc:  # a refused connection, a timeout
            self.recorder.add(page, time.monotonic() - t, f"{type(exc).__name__}")
            raise
        problem = None if response.status_code in expect else f"HTTP {response.status_code}"
        if problem is None and response.status_code == 200 and method == "POST":
            # A form sent back with errors: the step did not happen.
            errors = re.findall(r'class="[^"]*errorlist[^"]*"[^>]*>(.{0,160})', response.text)
            if errors:
                problem = "formulaire refusé : " + re.sub(r"<[^>]+>", " ", errors[0])[:120]
        self.recorder.add(page, time.monotonic() - t, problem)
        if problem:
            raise RuntimeError(f"{page}: {problem}")
        return response


def desk_round(person, actor, n):
    p = person
    p.request("Accueil : page d'accueil", "GET", "/")
    p.request("Accueil : nouvelle personne (page)", "GET", "/orientation/nouvelle-personne/")
    r = p.request(
        "Accueil : nouvelle personne (envoi)",
        "POST",
        "/orientation/nouvelle-personne/",
        data={
            "first_name": "Jeanne",
            "last_name": f"Banc{_letters(actor['desk'] * 100 + n)}{_letters(actor['run'])}",
            "birth_date": f"19{random.randint(40, 99)}-0{random.randint(1, 9)}-1{n % 10}",
            "commune": "Rodez (12000)",
            "phone": "0611223344",
            "contact_consent": "on",
            "target_public": str(actor["public"]),
            "consent_given": "on",
        },
        expect=(302,),
    )
    assess = r.headers["Location"]
    p.request("Accueil : pré-évaluation (page)", "GET", assess)
    r = p.request(
        "Accueil : pré-évaluation (envoi)", "POST", assess, data=actor["answers"], expect=(302,)
    )
    handover = r.headers["Location"]
    p.request("Accueil : remise (page)", "GET", handover)
    r = p.request(
        "Accueil : remise d'un chéquier (envoi)",
        "POST",
        handover,
        data={"action": "hand_over", "chequebook_number": str(actor["chequebooks"][n])},
        expect=(302,),
    )
    refer = r.headers["Location"]
    p.request("Accueil : orientation (page)", "GET", refer)
    r = p.request(
        "Accueil : orientation (envoi)",
        "POST",
        refer,
        data={"place": str(random.choice(actor["places"]))},
        expect=(302,),
    )
    done = r.headers["Location"]
    page = p.request("Accueil : orientation faite", "GET", done)
    sheet = re.search(r'href="([^"]+fiche\.pdf)"', page.text)
    if sheet:
        p.request("Accueil : fiche d'orientation (PDF)", "GET", sheet.group(1))
    p.request("Accueil : mes chéquiers", "GET", "/cheques/mon-stock/")


def mediator_round(person, actor, n):
    p = person
    p.request("Médiateur : encaissement (page)", "GET", "/mediation/encaisser/")
    data = {
        "token": secrets.token_urlsafe(24),
        "kind": "individual",
        "date": time.strftime("%Y-%m-%d"),
        "duration_minutes": "60",
        "themes": ["email"],
        "referral": "",
        "place": "",
        "notes": "",
    }
    for i, number in enumerate(actor["chequebooks"][n], start=1):
        data[f"number_{i}"] = str(number)
        data[f"code_{i}"] = CODE
    r = p.request(
        "Médiateur : encaissement d'un chéquier, 10 chèques (envoi)",
        "POST",
        "/mediation/encaisser/",
        data=data,
        expect=(302,),
    )
    p.request("Médiateur : activité", "GET", r.headers["Location"])
    p.request("Médiateur : activités (liste)", "GET", "/mediation/activites/")


def manager_round(person, actor, n):
    p = person
    p.request("Gestionnaire : tableau de bord", "GET", "/pilotage/")
    p.request("Gestionnaire : stock", "GET", "/cheques/stock/")
    p.request("Gestionnaire : tableau par accueil", "GET", "/pilotage/tableaux/accueils/")
    p.request(
        "Gestionnaire : export CSV par accueil", "GET", "/pilotage/tableaux/accueils/?_export=csv"
    )
    p.request("Gestionnaire : acteurs de médiation", "GET", "/mediation/mediateurs/")
    if n == 0:
        r = p.request(
            "Gestionnaire : export détaillé (demande)",
            "POST",
            "/pilotage/exports/",
            data={"format": "csv"},
            expect=(302,),
        )
        p.request("Gestionnaire : export détaillé (page)", "GET", r.headers["Location"])


ROUNDS = {"desk": desk_round, "mediator": mediator_round, "manager": manager_round}


def roles_for(users: int) -> list[str]:
    """Two in five front desk agents, two in five mediators, one in five managers."""
    cycle = ["desk", "mediator", "manager", "desk", "mediator"]
    return [cycle[i % 5] for i in range(users)]


def start(command, env, log):
    handle = open(log, "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_ready(worker_log):
    import requests

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            requests.get(f"{BASE}/compte/login/", timeout=5)
            if "ready." in Path(worker_log).read_text(errors="replace"):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    sys.exit("gunicorn ou le worker Celery n'a pas démarré (voir leurs journaux)")


WARM_UP = {
    "desk": ["/", "/orientation/nouvelle-personne/", "/cheques/mon-stock/"],
    "mediator": ["/mediation/encaisser/", "/mediation/activites/"],
    "manager": ["/pilotage/", "/cheques/stock/", "/pilotage/tableaux/accueils/"],
}


def warm_up(pools, workers):
    """Untimed: each gunicorn worker loads its code and templates, as a server running since
    the morning has (a few rounds of each role's read-only pages)."""
    import requests

    for role, paths in WARM_UP.items():
        http = requests.Session()
        http.cookies.set("sessionid", pools[role][0]["session"], domain="127.0.0.1")
        for _ in range(3 * workers):
            for path in paths:
                http.get(BASE + path, timeout=120)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--think", type=float, nargs=2, default=[0.5, 2.0])
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--cheques", type=int, default=90_000)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="passnum-busy-day-"))
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bench_queue_settings",
        BENCH_CELERY_QUEUE="passnum-busy-day",
        DATABASE_URL=f"{PG}/{DB_NAME}",
        REDIS_URL=REDIS_URL,
        DJANGO_DEBUG="false",
        PASSNUM_REQUIRE_MFA="true",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        PASSNUM_MEDIA_ROOT=str(tmp / "media"),
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONPATH=f"{ROOT / 'benchmarks'}:{ROOT}",
    )
    os.environ.update(env)
    print(f"Préparation de la base {DB_NAME} ({_load()})…", flush=True)
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    roles = [r for users in args.users for r in roles_for(users)]
    t = time.monotonic()
    actors, cheque_count = make_world(
        desks=roles.count("desk"),
        mediators=roles.count("mediator"),
        managers=roles.count("manager"),
        iterations=args.iterations,
        cheques=args.cheques,
    )
    print(f"Base prête en {time.monotonic() - t:.0f} s : {cheque_count} chèques.", flush=True)
    from django.db import connections

    connections.close_all()
    from passnum.celery import app

    app.control.purge()

    bin_dir = Path(sys.executable).parent
    worker = start(
        [sys.executable, "-m", "celery", "-A", "passnum", "worker", "--concurrency", "1"]
        + ["--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        env,
        tmp / "worker.log",
    )
    server = start(
        [str(bin_dir / "gunicorn"), "passnum.wsgi:application", "--bind", f"127.0.0.1:{PORT}"]
        + ["--workers", str(args.gunicorn_workers), "--timeout", "60", "--chdir", str(ROOT)],
        env,
        tmp / "gunicorn.log",
    )
    try:
        wait_ready(tmp / "worker.log")
        pools = {role: list(items) for role, items in actors.items()}
        warm_up(pools, args.gunicorn_workers)
        for run, users in enumerate(args.users):
            recorder = Recorder()
            threads, failures = [], []

            def person_day(role, actor, recorder=recorder, failures=failures):
                person = Person(actor["session"], recorder, args.think)
                for n in range(args.iterations):
                    try:
                        ROUNDS[role](person, actor, n)
                    except Exception as exc:  # recorded; the person goes on with its day
                        failures.append(f"{role}: {exc}")

            for role in roles_for(users):
                actor = dict(pools[role].pop(0), run=run)
                threads.append(threading.Thread(target=person_day, args=(role, actor)))
            load_before = _load()
            t0 = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - t0
            total = sum(len(v) for v in recorder.times.values())
            print(
                f"\n{users} utilisateurs simultanés ({roles_for(users).count('desk')} accueils, "
                f"{roles_for(users).count('mediator')} médiateurs, "
                f"{roles_for(users).count('manager')} gestionnaires), {args.iterations} tours "
                f"chacun, pause {args.think[0]:g}–{args.think[1]:g} s entre deux pages ; "
                f"gunicorn {args.gunicorn_workers} workers sync, 1 worker Celery, PostgreSQL "
                f"{cheque_count} chèques, Redis ; {total} requêtes en {elapsed:.0f} s "
                f"({total / elapsed:.1f}/s) ; {os.cpu_count()} cœurs, {load_before} avant, "
                f"{_load()} après (générateur de charge sur la même machine)"
            )
            print(f"{'page':<62} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  cible")
            for page, times in recorder.times.items():
                p95 = percentile(times, 95)
                held = not any(word in page for word in NO_TARGET)
                verdict = ("ok" if p95 < 500 else "DÉPASSÉE") if held else "—"
                errors = len(recorder.errors.get(page, []))
                print(
                    f"{page:<62} {len(times):>4} {statistics.median(times):>7.0f} {p95:>7.0f} "
                    f"{max(times):>7.0f}  {verdict}{f' ({errors} erreurs)' if errors else ''}"
                )
            for failure in failures[:10]:
                print(f"  échec : {failure}")
    finally:
        stop(server)
        stop(worker)
    print(f"\nJournaux de gunicorn et du worker : {tmp}")


if __name__ == "__main__":
    main()
