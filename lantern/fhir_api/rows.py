"""A search page's records, with the statement compiled for a fraction of the ORM's cost.

Compiling a queryset costs a little for each column it selects: a page of Observations selects
35, and that part of compiling was half of a search's time. The columns never change, so they
are compiled once per model and database; each search compiles only what is its own (the
conditions, the order and the limit) on the primary key alone, and the two are joined:

    SELECT "t"."id" FROM "t" WHERE ... ORDER BY ... LIMIT 21      (compiled for this search)
    SELECT "t"."id", "t"."source_system", ... FROM "t"            (compiled once)

The rows become model instances as the ORM makes them (`Model.from_db`, after the same field
converters). A queryset that selects anything else (related rows, annotations, deferred
fields, distinct rows) is evaluated by the ORM as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class _Columns:
    """A model's full column list compiled for one database, and how its rows are read."""

    # `SELECT <the primary key> FROM <table>`: the start of the search's own statement.
    key_prefix: str
    # `SELECT <every column> FROM <table>`: what replaces it.
    full_prefix: str
    field_names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]


_columns: dict[tuple[type[Model], str], _Columns] = {}


def _compiled_columns(model: type[Model], alias: str) -> _Columns | None:
    key = (model, alias)
    if key not in _columns:
        base = model._base_manager.using(alias).order_by()
        compiler = base.query.get_compiler(using=alias)
        full_sql, full_params = compiler.as_sql()
        key_sql, key_params = base.values_list("pk").query.get_compiler(using=alias).as_sql()
        table = connections[alias].ops.quote_name(model._meta.db_table)
        plain = not full_params and not key_params and full_sql.endswith(f" FROM {table}")
        if not plain:  # pragma: no cover - a model whose select is not "SELECT ... FROM t"
            _columns[key] = None  # type: ignore[assignment]
        else:
            found = compiler.get_converters([column for column, _, _ in compiler.select])
            _columns[key] = _Columns(
                key_prefix=key_sql,
                full_prefix=full_sql,
                field_names=tuple(field.attname for field in model._meta.concrete_fields),
                converters=tuple((i, tuple(funcs), col) for i, (funcs, col) in found.items()),
            )
    return _columns[key]


def _plain(queryset: QuerySet) -> bool:
    """Whether the queryset selects its model's rows and nothing else."""
    query = queryset.query
    return (
        queryset._iterable_class.__name__ == "ModelIterable"
        and not queryset._prefetch_related_lookups
        and not queryset._known_related_objects
        and not query.select_related
        and not query.annotations
        and not query.extra
        and not query.distinct
        and not query.combinator
        and query.deferred_loading == (frozenset(), True)
    )


def records(queryset: QuerySet) -> list[Any]:
    """The queryset's records, as `list(queryset)` gives them, compiled cheaply (see above)."""
    alias = queryset.db
    columns = _compiled_columns(queryset.model, alias) if _plain(queryset) else None
    if columns is None:
        return list(queryset)
    try:
        sql, params = queryset.values_list("pk").query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:
        return []
    if not sql.startswith(columns.key_prefix + " "):
        return list(queryset)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(columns.full_prefix + sql[len(columns.key_prefix) :], params)
        rows = cursor.fetchall()
    model = queryset.model
    found = []
    for raw in rows:
        row = list(raw)
        for index, funcs, column in columns.converters:
            for convert in funcs:
                row[index] = convert(row[index], column, connection)
        found.append(model.from_db(alias, columns.field_names, row))
    return found
