"""The audit trail's three foreign keys lose their single-column indexes: each key leads one of
the composite indexes (`audit_event_patient_time`, the actor's and the subject's by time), which
serves every lookup the single one did, and every page's INSERT now maintains three fewer.

Only the indexes go: on PostgreSQL with DROP INDEX CONCURRENTLY (pages go on writing the trail
meanwhile), on SQLite with DROP INDEX (an AlterField would rebuild the table there and lose its
append-only triggers). The fields change in the migration state only.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "audit_auditevent"
COLUMNS = ("actor_id", "patient_id", "subject_id")


def _single_column_indexes(schema_editor) -> dict[str, str]:
    """The name of each column's index of its own, by column."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return {
        details["columns"][0]: name
        for name, details in constraints.items()
        if details["index"]
        and not details["unique"]
        and not details["primary_key"]
        and len(details["columns"]) == 1
        and details["columns"][0] in COLUMNS
    }


def _concurrently(schema_editor) -> str:
    return "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""


def indexes_drop(apps, schema_editor) -> None:
    quote = schema_editor.quote_name
    for name in _single_column_indexes(schema_editor).values():
        schema_editor.execute(f"DROP INDEX {_concurrently(schema_editor)}{quote(name)}")


def indexes_create(apps, schema_editor) -> None:
    quote = schema_editor.quote_name
    present = _single_column_indexes(schema_editor)
    for column in COLUMNS:
        if column in present:
            continue
        name = schema_editor._create_index_name(TABLE, [column])
        schema_editor.execute(
            f"CREATE INDEX {_concurrently(schema_editor)}{quote(name)} "
            f"ON {quote(TABLE)} ({quote(column)})"
        )


def _key_without_index(name: str, to: str, related_name: str) -> migrations.AlterField:
    return migrations.AlterField(
        model_name="auditevent",
        name=name,
        field=models.ForeignKey(
            blank=True,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.PROTECT,
            related_name=related_name,
            to=to,
        ),
    )


class Migration(migrations.Migration):
    # DROP INDEX CONCURRENTLY cannot run in a transaction.
    atomic = False

    dependencies = [
        ("audit", "0007_access_log_index_by_actor_in_order"),
        ("clinical", "0007_patient_name_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(indexes_drop, indexes_create)],
            state_operations=[
                _key_without_index("actor", settings.AUTH_USER_MODEL, "audit_events"),
                _key_without_index("patient", "clinical.patient", "audit_events"),
                _key_without_index("subject", settings.AUTH_USER_MODEL, "security_events"),
            ],
        )
    ]
