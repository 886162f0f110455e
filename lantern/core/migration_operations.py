"""Migration operations that keep the portal writable while a large table changes."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations import AddIndex, RemoveIndex


class _ConcurrentOnPostgreSQL:
    """Runs the concurrent operation (the first base) on PostgreSQL, the plain one (`plain`)
    elsewhere: SQLite has no CONCURRENTLY and nothing writes while it migrates."""

    plain: type

    def database_forwards(self, app_label: str, schema_editor: Any, from_state, to_state) -> None:
        if _concurrent(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state, to_state) -> None:
        if _concurrent(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


def _concurrent(schema_editor: Any) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexKeepingWrites(_ConcurrentOnPostgreSQL, AddIndexConcurrently):
    """`AddIndex` that on PostgreSQL builds the index with CREATE INDEX CONCURRENTLY, so writes to
    the table go on while it is built (the audit trail is written by every page, so a plain
    CREATE INDEX would hold every page for as long as the build takes); elsewhere (SQLite) a
    plain CREATE INDEX. Its migration sets `atomic = False`.

    If a concurrent build is interrupted, PostgreSQL leaves the index marked invalid: drop it
    (`DROP INDEX CONCURRENTLY name`) and run `migrate` again (docs/deployment.md)."""

    plain = AddIndex


class RemoveIndexKeepingWrites(_ConcurrentOnPostgreSQL, RemoveIndexConcurrently):
    """`RemoveIndex` with DROP INDEX CONCURRENTLY on PostgreSQL (a plain DROP INDEX waits for,
    then holds, every write to the table); a plain DROP INDEX elsewhere. `atomic = False`."""

    plain = RemoveIndex
