"""Let the database itself refuse changes to the audit trail.

Both engines refuse UPDATE. PostgreSQL also refuses DELETE; SQLite does not, because Django's
test flush empties tables with DELETE there (TRUNCATE, which PostgreSQL's flush uses, fires no
row trigger). The model refuses deletes on both.
"""

from django.db import migrations

POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit events are append-only';
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_event_refuse_change()",
]
SQLITE_CREATE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'audit events are append-only');
    END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_event_no_update"]


def create_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_CREATE if postgres else SQLITE_CREATE:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_DROP if postgres else SQLITE_DROP:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
