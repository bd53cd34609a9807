"""Benchmark (not a test): render a print run of 1 000 chequebooks (10 000 cheques) and
import 90 000 cheques from an operator CSV. Prints the timings.

Run: .venv/bin/python benchmarks/chequebooks_bench.py [--chequebooks 1000] [--cheques 90000]
It works in a throw-away SQLite database (or the one DATABASE_URL names: use a scratch one).
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chequebooks", type=int, default=1000)
    parser.add_argument("--cheques", type=int, default=90_000)
    parser.add_argument("--skip-render", action="store_true")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="passnum-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passnum.settings.test")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["PASSNUM_MEDIA_ROOT"] = f"{tmp}/media"

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = Path(tmp) / "media"
    call_command("migrate", verbosity=0)

    from chequebooks.models import Cheque, PrintRun
    from chequebooks.services import import_batch_create, print_run_create, print_run_render
    from passnum.accounts.models import User
    from passnum.organisations.models import Membership, Organisation, OrganisationKind, Role
    from passnum.programme.models import Envelope
    from passnum.programme.services import programme_load_aveyron, vintage_defaults
    from passnum.territory.models import Side

    programme = programme_load_aveyron()
    vintage = vintage_defaults(programme=programme, year=datetime.date.today().year)
    envelope = Envelope.objects.get(programme=programme, side=Side.CD12)
    owner = Organisation.objects.create(kind=OrganisationKind.OWNER, name="CD12 (banc d'essai)")
    user = User.objects.create_user(email="bench@example.org", password="x")
    manager = Membership.objects.create(user=user, organisation=owner, role=Role.PROGRAMME_MANAGER)

    if not args.skip_render:
        # Render by hand below, timed apart: the chunks run in-process, one after the other
        # (benchmarks/print_run_bench.py spreads them across real workers).
        from chequebooks import tasks

        tasks.print_run_render_task.delay = lambda *a, **k: None
        t0 = time.perf_counter()
        run = print_run_create(
            vintage=vintage,
            envelope=envelope,
            chequebook_count=args.chequebooks,
            membership=manager,
        )
        t1 = time.perf_counter()
        print_run_render(print_run=run)
        t2 = time.perf_counter()
        run = PrintRun.objects.get(pk=run.pk)
        size = run.file.size
        from pypdf import PdfReader

        pages = len(PdfReader(run.file.path).pages)
        print(
            f"Impression : {args.chequebooks} chéquiers "
            f"({Cheque.objects.filter(chequebook__print_run=run).count()} chèques) "
            f"créés en {t1 - t0:.1f} s, fichier rendu en {t2 - t1:.1f} s "
            f"({pages} pages, {size / 1e6:.1f} Mo, {(t2 - t1) / args.chequebooks * 1000:.0f} "
            "ms par chéquier)"
        )

    if not args.cheques:
        return
    books = args.cheques // 10
    lines = ["numero_chequier;numero_cheque;code_securite;millesime;valeur_faciale"]
    for b in range(books):
        number = 50_000_000 + b
        for i in range(1, 11):
            code = "K7M9P2QX" if i % 2 else ""
            lines.append(f"{number};{number * 100 + i};{code};{vintage.year};10,00")
    text = "\n".join(lines) + "\n"
    t0 = time.perf_counter()
    batch = import_batch_create(
        rows_text=text, file_name="bench.csv", envelope=envelope, membership=manager
    )
    t1 = time.perf_counter()
    print(
        f"Import : {batch.cheque_count} chèques ({batch.chequebook_count} chéquiers) "
        f"en {t1 - t0:.1f} s ({os.environ['DATABASE_URL'].split(':')[0]})"
    )


if __name__ == "__main__":
    main()
