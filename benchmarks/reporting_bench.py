"""The dashboard's server time at 90 000 and at 2 000 000 cheques (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passnum_bench_reporting \\
        .venv/bin/python benchmarks/reporting_bench.py [--scales 90000 2000000] [--runs 7]

For each scale: generate the programme (``manage.py generate_scale``), rebuild the summary
tallies (timed: that is the Celery job's cost), then time the dashboard page through the test
client (the whole view: filters, selectors, charts, template), median of several runs, and
its number of queries. For comparison it also times one live aggregation of the cheques
(what the dashboard would cost without the tallies), which is why the tallies exist.
Target: < 300 ms at 2 000 000 cheques, and 2 M ÷ 90 k ≤ 1.5. Production settings: DEBUG off,
two-factor authentication required, every middleware; each figure is printed with the
machine's load.

Its database is its own (``passnum_bench_reporting``): ``passnum_bench`` is dropped and
recreated by benchmarks/mediation_bench.py.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passnum.settings")
# As in production: DEBUG off, two-factor authentication required (the bench manager has it
# set up), every middleware: the query count is the one tests/reporting/
# test_i12_dashboard_queries.py asserts.
os.environ["DJANGO_DEBUG"] = "false"
os.environ["PASSNUM_REQUIRE_MFA"] = "true"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"charge {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min), {os.cpu_count()} cœurs"


def _database_ensure(url: str) -> None:
    """Create the benchmark's PostgreSQL database when it does not exist yet."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", type=int, nargs="+", default=[90_000, 2_000_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-generate", action="store_true")
    args = parser.parse_args()

    _database_ensure(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    assert settings.PASSNUM_REQUIRE_MFA and not settings.DEBUG
    from allauth.mfa.models import Authenticator
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from chequebooks.models import Cheque
    from chequebooks.states import REDEEMED_STATES
    from passnum.accounts.models import User
    from passnum.organisations.middleware import SESSION_KEY
    from passnum.organisations.models import Membership, Organisation, OrganisationKind, Role
    from reporting.summaries import summaries_refresh

    if connection.vendor != "postgresql":
        sys.exit("Le banc de mesure tourne sur PostgreSQL (DATABASE_URL).")
    call_command("migrate", verbosity=0)

    results = {}
    for scale in args.scales:
        if not args.no_generate:
            t = time.monotonic()
            call_command("generate_scale", cheques=scale)
            print(f"[{scale}] génération : {time.monotonic() - t:.1f} s")
        t = time.monotonic()
        summaries_refresh()
        refresh_s = time.monotonic() - t
        t = time.monotonic()
        list(
            Cheque.objects.values("chequebook__vintage_id", "chequebook__envelope_id", "state")
            .annotate(n=Count("pk"), used=Count("pk", filter=Q(state__in=REDEEMED_STATES)))
            .order_by()
        )
        live_ms = (time.monotonic() - t) * 1000

        owner, _ = Organisation.objects.get_or_create(
            name="[banc] Conseil départemental", defaults={"kind": OrganisationKind.OWNER}
        )
        user, _ = User.objects.get_or_create(email="banc@passnum.invalid")
        membership, _ = Membership.objects.get_or_create(
            user=user, organisation=owner, defaults={"role": Role.PROGRAMME_MANAGER}
        )
        Authenticator.objects.get_or_create(
            user=user, type=Authenticator.Type.TOTP, defaults={"data": {}}
        )
        client = Client()
        client.force_login(user)
        session = client.session
        session[SESSION_KEY] = membership.pk
        session.save()
        client.get("/pilotage/")  # warm-up (the session's first request)
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                t = time.monotonic()
                response = client.get("/pilotage/")
                times.append((time.monotonic() - t) * 1000)
            assert response.status_code == 200, response.status_code
        median = statistics.median(times)
        results[scale] = median
        print(
            f"[{scale} chèques, {Cheque.objects.count()} en base ; {_load()}] "
            f"tableau de bord : médiane {median:.0f} ms "
            f"(min {min(times):.0f}, max {max(times):.0f}, {args.runs} passages), "
            f"{len(queries)} requêtes ; reconstruction des agrégats : {refresh_s:.1f} s ; "
            f"agrégation directe des chèques (sans agrégats) : {live_ms:.0f} ms"
        )
    from tests.reporting.test_i12_dashboard_queries import DASHBOARD_QUERIES_PRODUCTION

    print(
        f"Réglages de production (DEBUG off, double authentification exigée, tous les "
        f"middlewares), PostgreSQL, client de test Django ; requêtes attendues par le test : "
        f"{DASHBOARD_QUERIES_PRODUCTION}"
    )
    if len(results) >= 2:
        small, large = min(results), max(results)
        print(
            f"rapport {large} ÷ {small} : {results[large] / results[small]:.2f} (cible ≤ 1,5) ; "
            f"{results[large]:.0f} ms à {large} chèques (cible < 300 ms)"
        )


if __name__ == "__main__":
    main()
