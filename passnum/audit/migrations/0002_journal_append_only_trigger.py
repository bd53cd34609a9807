"""On PostgreSQL, the journal refuses UPDATE and DELETE of its rows at the database level too.

TRUNCATE is left to the database owner (the test suite empties tables with it); in production
the application's role should not own the table (see README, "Journal").
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION passnum_journal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'passnum: the journal is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_journalentry_append_only
    BEFORE UPDATE OR DELETE ON audit_journalentry
    FOR EACH ROW EXECUTE FUNCTION passnum_journal_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_journalentry_append_only ON audit_journalentry;
DROP FUNCTION IF EXISTS passnum_journal_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
