"""Seals keep a digest per event, and the database refuses more changes to the audit tables.

- Seals are append-only like events: UPDATE refused on both engines, DELETE on PostgreSQL (SQLite
  keeps DELETE for Django's test flush, as in 0002).
- PostgreSQL refuses TRUNCATE of either table with a statement-level trigger (row triggers do
  not fire on TRUNCATE). Django's test flush (TransactionTestCase, transactional_db,
  live_server) empties tables with TRUNCATE on PostgreSQL, so the trigger lets it through when
  the session's `lantern.allow_audit_truncate` is 'on'. Only the test suite sets it, through
  TEST_ALLOW_AUDIT_TRUNCATE in lantern/testing/environment.py. Any session may set such a custom
  variable, so this guards against mistakes by the owner's tools; the web app's role is kept out
  by its grants (it has no TRUNCATE privilege: `manage.py grant_app_role`), and anything the
  owner does anyway shows in `manage.py verify_audit`.
"""

from django.db import migrations, models

POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION audit_seal_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit seals are append-only';
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_seal_no_update BEFORE UPDATE ON audit_auditseal
    FOR EACH ROW EXECUTE FUNCTION audit_seal_refuse_change()""",
    """CREATE TRIGGER audit_seal_no_delete BEFORE DELETE ON audit_auditseal
    FOR EACH ROW EXECUTE FUNCTION audit_seal_refuse_change()""",
    """CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
    BEGIN
        IF current_setting('lantern.allow_audit_truncate', true) = 'on' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()""",
    """CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_auditseal
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_seal_no_update ON audit_auditseal",
    "DROP TRIGGER IF EXISTS audit_seal_no_delete ON audit_auditseal",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_seal_no_truncate ON audit_auditseal",
    "DROP FUNCTION IF EXISTS audit_seal_refuse_change()",
    "DROP FUNCTION IF EXISTS audit_refuse_truncate()",
]
SQLITE_CREATE = [
    # Adding the column rebuilt audit_auditseal, so its trigger is created after that.
    """CREATE TRIGGER IF NOT EXISTS audit_seal_no_update BEFORE UPDATE ON audit_auditseal
    BEGIN
        SELECT RAISE(ABORT, 'audit seals are append-only');
    END""",
    # The events' trigger from 0002, in case a rebuild ever dropped it.
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'audit events are append-only');
    END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_seal_no_update"]


def create_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_CREATE if postgres else SQLITE_CREATE:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_DROP if postgres else SQLITE_DROP:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_security_events_and_seals")]

    operations = [
        migrations.AddField(
            model_name="auditseal",
            name="event_digests",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
