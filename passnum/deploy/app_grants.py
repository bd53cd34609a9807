"""After each migration (the ``migrate`` service, connected as the tables' owner): the
application's role gets every table's rows but only SELECT and INSERT on the journal.

    python -m passnum.deploy.app_grants [--role passnum_app]

Rule (README "The journal"): the journal is append-only; the trigger refuses UPDATE and
DELETE, and the application's role is not even granted them (nor TRUNCATE, owner only)."""

import argparse
import os

import django

JOURNAL_TABLE = "audit_journalentry"


def grants_sql(role: str) -> list[str]:
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {JOURNAL_TABLE} FROM {quoted}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", default=os.environ.get("PASSNUM_DB_APP_ROLE", "passnum_app"))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passnum.settings.production")
    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("app_grants: PostgreSQL only")
    with connection.cursor() as cursor:
        for statement in grants_sql(args.role):
            cursor.execute(statement)
    print(f"Droits de {args.role} posés (journal : SELECT, INSERT).")


if __name__ == "__main__":
    main()
