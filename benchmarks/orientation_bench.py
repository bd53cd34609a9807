"""Benchmark (not a test): orientation at the scale of the programme (9 000 chequebooks, so
about 10 000 people). Prints the timings of the duplicate check, the people list with a
search, the referral sheet (PDF), the daily lapse of referrals and the retention purge.

Run: .venv/bin/python benchmarks/orientation_bench.py [--people 10000]
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


def timed(label, fn, repeat=1):
    start = time.perf_counter()
    for _ in range(repeat):
        result = fn()
    elapsed = (time.perf_counter() - start) / repeat
    print(f"{label:<60} {elapsed * 1000:9.1f} ms")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
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
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)

    from orientation.models import Referral
    from orientation.services import (
        beneficiaries_purge,
        beneficiary_duplicate_check,
        questionnaire_default_create,
        referrals_lapse_overdue,
    )
    from passnum.accounts.models import User
    from passnum.directory.models import Place
    from passnum.organisations.middleware import SESSION_KEY
    from passnum.organisations.models import Membership, Organisation, OrganisationKind, Role
    from passnum.people.identity import identity_key_for
    from passnum.people.models import Beneficiary
    from passnum.programme.models import TargetPublic
    from passnum.programme.services import programme_load_aveyron
    from passnum.territory.models import Commune, Side

    programme_load_aveyron()
    questionnaire_default_create()
    communes = list(Commune.objects.all())
    public = TargetPublic.objects.filter(side=Side.CD12).first()
    desks = [
        Organisation.objects.create(
            kind=OrganisationKind.FRONT_DESK, name=f"Accueil {i}", side=Side.CD12
        )
        for i in range(10)
    ]
    user = User.objects.create_user(email="bench@example.org", password="x" * 16)
    membership = Membership.objects.create(user=user, organisation=desks[0], role=Role.EVALUATOR)
    mediator = Organisation.objects.create(kind=OrganisationKind.MEDIATOR, name="Médiateur")
    place = Place.objects.create(
        organisation=mediator, name="Lieu", address="1 rue", commune=communes[0], postcode="12000"
    )
    now = timezone.now()
    old = now - datetime.timedelta(days=365 * 4)

    def person(i):
        first, last = f"Prénom{i}", f"Nom{i % 2000}"
        birth = datetime.date(1940 + i % 60, 1 + i % 12, 1 + i % 28)
        return Beneficiary(
            first_name=first,
            last_name=last,
            birth_date=birth,
            identity_key=identity_key_for(first_name=first, last_name=last, birth_date=birth),
            commune=communes[i % len(communes)],
            target_public=public,
            consent_at=now,
            consent_text_version="bench",
            registered_by_organisation=desks[i % 10],
            registered_by=user,
        )

    timed(
        f"create {args.people} people (bulk)",
        lambda: Beneficiary.objects.bulk_create(
            (person(i) for i in range(args.people)), batch_size=2000
        ),
    )
    people = list(Beneficiary.objects.filter(registered_by_organisation=desks[0]))
    Referral.objects.bulk_create(
        Referral(
            beneficiary=p,
            place=place,
            mediator=mediator,
            from_organisation=desks[0],
            created_by=user,
        )
        for p in people
    )
    Referral.objects.update(created_at=now - datetime.timedelta(days=70))
    Beneficiary.objects.filter(pk__in=[p.pk for p in people[len(people) // 2 :]]).update(
        last_activity_at=old
    )

    timed(
        "duplicate check (names + birth date)",
        lambda: beneficiary_duplicate_check(
            first_name="Prénom5",
            last_name="NOM5",
            birth_date=datetime.date(1945, 6, 6),
            membership=membership,
        ),
        repeat=20,
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = membership.pk
    session.save()
    url = reverse("orientation:person_list")
    timed(
        f"people list page ({len(people)} people at this desk, 50 a page)",
        lambda: client.get(url),
        repeat=5,
    )
    timed("people list page, search « nom12 »", lambda: client.get(url, {"q": "nom12"}), repeat=5)
    referral = Referral.objects.filter(from_organisation=desks[0]).first()
    sheet = reverse("orientation:referral_sheet", args=[referral.pk])
    response = timed("referral sheet PDF", lambda: client.get(sheet), repeat=3)
    print(f"{'  sheet size':<60} {len(response.content) / 1024:9.1f} kB")
    count = timed(f"daily lapse ({len(people)} referrals 70 days old)", referrals_lapse_overdue)
    print(f"{'  lapsed':<60} {count:9d}")
    count = timed(
        f"retention purge ({len(people) - len(people) // 2} people idle 4 years)",
        beneficiaries_purge,
    )
    print(f"{'  anonymised':<60} {count:9d}")


if __name__ == "__main__":
    main()
