"""Let the database itself refuse two live appointments of one clinician that overlap.

"Live" is booked or arrived (models.LIVE_STATUSES); a cancelled, missed or completed visit
frees its time. Two visits overlap when each starts before the other ends, whatever their
lengths; one that starts as another ends does not overlap it.

- PostgreSQL: an exclusion constraint over (clinician, tstzrange(starts_at, ends_at, '[)')),
  which needs the btree_gist extension (the migrating role must be allowed to create it, or an
  administrator creates it first: docs/configuration.md).
- SQLite: BEFORE INSERT and BEFORE UPDATE triggers that abort on an overlap. SQLite lets one
  connection write at a time, so the check and the write cannot interleave with another's.

Both raise IntegrityError in Django, which `services.appointment_book` turns into "That time was
just taken". The constraint is kept out of the model state, so Django never tries to build it,
or to validate forms against it, on SQLite, and `makemigrations --check` stays clean on both.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

LIVE = "('booked', 'arrived')"

POSTGRES_CREATE = [
    f"""ALTER TABLE appointments_appointment ADD CONSTRAINT appointment_no_overlap
    EXCLUDE USING gist (clinician_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status IN {LIVE})""",
]
POSTGRES_DROP = [
    "ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS appointment_no_overlap",
]


def _sqlite_trigger(event: str, same_row: str) -> str:
    # Built from the constants above only, never from input.
    return f"""CREATE TRIGGER appointment_no_overlap_{event.lower()}
    BEFORE {event} ON appointments_appointment
    WHEN NEW.status IN {LIVE}
    BEGIN
        SELECT RAISE(ABORT, 'appointment_no_overlap: the clinician has a live appointment then')
        WHERE EXISTS (
            SELECT 1 FROM appointments_appointment AS other
            WHERE other.clinician_id = NEW.clinician_id
              AND other.status IN {LIVE}
              AND other.starts_at < NEW.ends_at
              AND NEW.starts_at < other.ends_at
              {same_row}
        );
    END"""  # noqa: S608


SQLITE_CREATE = [
    _sqlite_trigger("INSERT", ""),
    _sqlite_trigger("UPDATE", "AND other.id != NEW.id"),
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS appointment_no_overlap_insert",
    "DROP TRIGGER IF EXISTS appointment_no_overlap_update",
]


class BtreeGistOnPostgreSQL(BtreeGistExtension):
    """Create btree_gist on PostgreSQL (Django's operation does nothing on SQLite). Unapplying
    leaves the extension in place: other tables may use it, and Django's backwards step would
    query PostgreSQL's catalogue on SQLite too."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def create_guard(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_CREATE if postgres else SQLITE_CREATE:
        schema_editor.execute(statement, params=None)


def drop_guard(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES_DROP if postgres else SQLITE_DROP:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [
        BtreeGistOnPostgreSQL(),
        migrations.RunPython(create_guard, drop_guard),
    ]
