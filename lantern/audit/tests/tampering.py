"""What someone with the database owner's rights can do behind the application's back."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection


@contextmanager
def triggers_off(table: str) -> Iterator[None]:
    """Switch off the append-only triggers of `table` inside the test's transaction.

    PostgreSQL: ALTER TABLE ... DISABLE TRIGGER USER (the owner may). SQLite cannot disable a
    trigger, so it is dropped and made again. Both are undone by the test's rollback anyway.
    """
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while the transaction has deferred foreign-key checks
            # pending on the table (the events just written); run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {quoted} DISABLE TRIGGER USER")
            yield
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {quoted} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [table],
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
        yield
        for _name, sql in triggers:
            cursor.execute(sql)


def execute(sql: str, params: Sequence[Any] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def separate_session() -> psycopg.Connection:
    """A second PostgreSQL session on the test database, without Django's connection options."""
    database = connection.settings_dict
    return psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        host=database["HOST"],
        port=database["PORT"],
        autocommit=True,
    )
