"""On PostgreSQL, a redemption on a statement cannot be un-redeemed at the database level
either: DELETE is refused, and so is an UPDATE of its statement link, cheque, mediator,
amounts or date (mediation.models.REDEMPTION_FROZEN_COLUMNS). A redemption not
yet on a statement stays free: statement_issue sets its statement.

TRUNCATE is left to the database owner (the test suite empties tables with it).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION passnum_redemption_on_statement() RETURNS trigger AS $$
BEGIN
    IF OLD.statement_id IS NULL THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
        OR NEW.statement_id IS DISTINCT FROM OLD.statement_id
        OR NEW.cheque_id IS DISTINCT FROM OLD.cheque_id
        OR NEW.mediator_id IS DISTINCT FROM OLD.mediator_id
        OR NEW.face_value_cents IS DISTINCT FROM OLD.face_value_cents
        OR NEW.mediator_net_cents IS DISTINCT FROM OLD.mediator_net_cents
        OR NEW.redeemed_at IS DISTINCT FROM OLD.redeemed_at
    THEN
        RAISE EXCEPTION 'passnum: redemption % is on statement % (% refused)',
            OLD.id, OLD.statement_id, TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER mediation_redemption_on_statement
    BEFORE UPDATE OR DELETE ON mediation_redemption
    FOR EACH ROW EXECUTE FUNCTION passnum_redemption_on_statement();
"""

DROP = """
DROP TRIGGER IF EXISTS mediation_redemption_on_statement ON mediation_redemption;
DROP FUNCTION IF EXISTS passnum_redemption_on_statement();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("mediation", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
