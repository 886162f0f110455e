"""Queries built once per process and run with each request's values: prepared statements.

Building a query through the ORM (`filter`, `exclude`, `Exists`, compiling it to SQL) costs a
page far more than running it: on the home page about ten times as long. The queries a page runs
on every request have the same shape each time; only their values change (whose record, which
account, the moment of the request). A `Statement` builds its query once per process and
database (and per `shape`, when its form depends on data, such as the kinds of results held
back), with `Param` placeholders where the values go, and then only runs Django's own SQL with
the values of the call, reading the rows back with Django's own converters.

Nothing about what a query reads changes: the SQL is the ORM's, it runs on every call (no result
is cached), through Django's cursor (so query counts and transactions are as before). Its text
being the same on every call, PostgreSQL also prepares it once per connection, as it does any
statement that runs again (DATABASE_PREPARED_STATEMENTS, config/settings.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import uuid
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections, router
from django.db.models import Expression, Field, Model, Q, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql import InsertQuery

# At most this many shapes of one statement are kept per process (a slice of a long list is a
# shape of its own); past it, a new shape is built for its call and not kept, so memory stays
# bounded whatever pages are asked for.
SHAPES_KEPT = 200


class Param(Expression):
    """Where a statement takes a value of the call: `filter(patient=Param("patient", field))`.

    `field` is the model field the value is compared with (its target field for a foreign key):
    it turns the value into what the database expects, as the ORM would.
    """

    def __init__(self, name: str, field: Field) -> None:
        super().__init__(output_field=field)
        self.name = name

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [_Slot(self.name, self.output_field)]

    def get_group_by_cols(self) -> list[Any]:
        return []


@dataclass(frozen=True)
class _Slot:
    name: str
    field: Field


def param_for(model: type[Model], field_name: str, name: str | None = None) -> Param:
    """A `Param` for `model.field_name` (a foreign key's value is its target's: an id)."""
    field = model._meta.get_field(field_name)
    return Param(name or field_name, getattr(field, "target_field", field))


# The lookups a condition's value can be a `Param` of: their SQL is the same whatever the value.
PARAM_LOOKUPS = frozenset({"exact", "gt", "gte", "lt", "lte"})
# The values that can be a `Param`'s (a boolean is left in the shape: `isnull=True` is SQL).
_PARAM_VALUE_TYPES = (str, int, float, dt.datetime, dt.date, uuid.UUID)


def _lookup_field(model: type[Model], lookup: str) -> Field | None:
    """The field `lookup` compares its value with, when the lookup can take a `Param`: a chain
    of concrete fields (forward relations only), then one of PARAM_LOOKUPS or none (exact)."""
    parts = lookup.split("__")
    if len(parts) > 1 and parts[-1] in PARAM_LOOKUPS:
        parts = parts[:-1]
    options = model._meta
    field = None
    for position, name in enumerate(parts):
        try:
            field = options.pk if name == "pk" else options.get_field(name)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "concrete", False):
            return None
        if position < len(parts) - 1:
            if not (field.many_to_one or field.one_to_one):
                return None
            options = field.related_model._meta
    if field is None:
        return None
    return getattr(field, "target_field", field) if field.is_relation else field


def condition_shape(model: type[Model], condition: Q) -> tuple[Hashable, list[Any]] | None:
    """A condition on `model` as a statement's shape and the values of its `Param`s, in order
    (`condition_from_shape` builds it back with `Param`s): what the condition compares, never a
    value. None when a part of it cannot take a `Param` (a pattern, a list, an expression...):
    the caller then runs the ORM's query as usual. An empty list and a boolean stay in the
    shape (`pk__in=[]` matches nothing; `isnull=True` is SQL of its own)."""
    values: list[Any] = []

    def walk(node: Any) -> Hashable | None:
        if isinstance(node, Q):
            children = []
            for child in node.children:
                shape = walk(child)
                if shape is None:
                    return None
                children.append(shape)
            return ("q", node.connector, node.negated, tuple(children))
        if not isinstance(node, tuple) or len(node) != 2:
            return None  # An expression as a condition of its own (`Exists(...)`).
        lookup, value = node
        if isinstance(value, bool) or (isinstance(value, list | tuple) and not value):
            return ("literal", lookup, value if isinstance(value, bool) else ())
        if isinstance(value, _PARAM_VALUE_TYPES) and _lookup_field(model, lookup) is not None:
            values.append(value)
            return ("param", lookup)
        return None

    shape = walk(condition)
    return None if shape is None else (shape, values)


def condition_from_shape(model: type[Model], shape: Hashable, prefix: str) -> Q:
    """The condition of `condition_shape` with `Param`s named `<prefix>0`, `<prefix>1`... where
    its values were (give them with `condition_values`)."""
    names = (f"{prefix}{position}" for position in range(1_000_000))

    def build(node: Any, names: Iterator[str]) -> Any:
        kind = node[0]
        if kind == "q":
            _, connector, negated, children = node
            return Q(
                *(build(child, names) for child in children),
                _connector=connector,
                _negated=negated,
            )
        if kind == "literal":
            _, lookup, value = node
            return (lookup, value if isinstance(value, bool) else [])
        _, lookup = node
        return (lookup, Param(next(names), _lookup_field(model, lookup)))

    return build(shape, names)


def condition_values(values: list[Any], prefix: str) -> dict[str, Any]:
    """The values of `condition_shape` by the names `condition_from_shape` gave their `Param`s."""
    return {f"{prefix}{position}": value for position, value in enumerate(values)}


@dataclass(frozen=True)
class _Compiled:
    alias: str
    sql: str | None  # None: the query can match nothing (Django raised EmptyResultSet).
    params: tuple[Any, ...]
    # Column position -> (converters, expression), as the compiler gives them.
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]
    names: tuple[str, ...]  # For rows as dicts (a `values()` query).
    col_count: int
    # For model instances: the model, its columns and the populators of select_related.
    model: type[Model] | None = None
    model_slice: tuple[int, int] = (0, 0)
    init_list: tuple[str, ...] = ()
    related_populators: tuple[Any, ...] = ()
    annotation_col_map: tuple[tuple[str, int], ...] = ()


class Statement:
    """A query built once per process, database and shape; run with `rows`, `objects`, `count`
    or `exists` and the values of its `Param`s.

    `build(*shape)` returns the queryset. The shape (hashable) is what changes the form of the
    SQL, never a value: values go in `Param`s.
    """

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._compiled: dict[tuple[Hashable, ...], _Compiled] = {}
        self._lock = threading.Lock()

    def _get(self, shape: tuple[Hashable, ...], mode: str) -> tuple[_Compiled, Any]:
        key = (mode, shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            queryset = self._build(*shape)
            alias = router.db_for_read(queryset.model)
            compiled = _compile(queryset, connections[alias], mode)
            with self._lock:
                if len(self._compiled) < SHAPES_KEPT:
                    self._compiled[key] = compiled
        return compiled, connections[compiled.alias]

    def _execute(self, compiled: _Compiled, connection: Any, values: dict[str, Any]) -> list:
        params = _params(compiled.params, values, connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            converted = []
            for row in rows:
                row = list(row[: compiled.col_count])
                for position, converters, expression in compiled.converters:
                    value = row[position]
                    for converter in converters:
                        value = converter(value, expression, connection)
                    row[position] = value
                converted.append(row)
            return converted
        return rows

    def rows(self, shape: tuple[Hashable, ...] = (), **values: Any) -> list[dict[str, Any]]:
        """The rows of a `values(...)` query, as dicts."""
        compiled, connection = self._get(shape, "rows")
        if compiled.sql is None:
            return []
        names = compiled.names
        return [
            dict(zip(names, row, strict=False))
            for row in self._execute(compiled, connection, values)
        ]

    def tuples(self, shape: tuple[Hashable, ...] = (), **values: Any) -> list[tuple[Any, ...]]:
        """The rows of a `values_list(...)` query, as tuples."""
        compiled, connection = self._get(shape, "rows")
        if compiled.sql is None:
            return []
        return [tuple(row) for row in self._execute(compiled, connection, values)]

    def objects(self, shape: tuple[Hashable, ...] = (), **values: Any) -> list[Model]:
        """The model instances of the query (with what it selects related)."""
        compiled, connection = self._get(shape, "objects")
        if compiled.sql is None:
            return []
        start, end = compiled.model_slice
        found = []
        for row in self._execute(compiled, connection, values):
            instance = compiled.model.from_db(connection.alias, compiled.init_list, row[start:end])
            for populator in compiled.related_populators:
                populator.populate(row, instance)
            for name, position in compiled.annotation_col_map:
                setattr(instance, name, row[position])
            found.append(instance)
        return found

    def count(self, shape: tuple[Hashable, ...] = (), **values: Any) -> int:
        """How many rows the query gives."""
        compiled, connection = self._get(shape, "count")
        if compiled.sql is None:
            return 0
        return self._execute(compiled, connection, values)[0][0]

    def exists(self, shape: tuple[Hashable, ...] = (), **values: Any) -> bool:
        """Whether the query gives any row."""
        compiled, connection = self._get(shape, "exists")
        if compiled.sql is None:
            return False
        return bool(self._execute(compiled, connection, values))


class CountsStatement:
    """Several counts in one query, each stopped at `limit` rows: `build(*shape)` returns a dict
    of querysets by name; `run(shape, limit, **values)` gives each one's count, at most `limit`.

    `limit` None counts every row (for counts bounded by what they count, such as one patient's
    records of each kind).

    A count that reaches its limit has read `limit` rows, however many more match, so the query
    costs as much with a million rows as with a thousand. (A query that can match few rows still
    needs an index that finds them.)
    """

    def __init__(self, build: Callable[..., dict[str, QuerySet]]) -> None:
        self._build = build
        self._compiled: dict[tuple[Hashable, ...], tuple[Any, ...]] = {}
        self._lock = threading.Lock()

    def _compile(self, shape: tuple[Hashable, ...], limit: int | None) -> tuple[Any, ...]:
        querysets = self._build(*shape)
        alias = router.db_for_read(next(iter(querysets.values())).model)
        connection = connections[alias]
        columns, params = [], []
        for position, queryset in enumerate(querysets.values()):
            compiled = _compile(queryset.order_by().values("pk")[:limit], connection, "rows")
            if compiled.sql is None:
                columns.append("0")
                continue
            columns.append(f"(SELECT COUNT(*) FROM ({compiled.sql}) counted_{position})")  # noqa: S608 (Django's SQL)
            params.extend(compiled.params)
        sql = f"SELECT {', '.join(columns)}"
        return alias, sql, tuple(params), tuple(querysets)

    def run(self, shape: tuple[Hashable, ...], limit: int | None, **values: Any) -> dict[str, int]:
        key = (*shape, limit)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(shape, limit)
            with self._lock:
                if len(self._compiled) < SHAPES_KEPT:
                    self._compiled[key] = compiled
        alias, sql, params, names = compiled
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, _params(params, values, connection))
            row = cursor.fetchone()
        return dict(zip(names, row, strict=True))


class InsertStatement:
    """The INSERT of one row of `model` with these fields (by attname), built once per process
    and database; `run` inserts the values given and returns the new row's key.

    Only where the database returns the key from the INSERT (PostgreSQL, SQLite 3.35+): `run`
    returns None elsewhere, and the caller saves through the ORM.
    """

    def __init__(self, model: type[Model], fields: tuple[str, ...]) -> None:
        self.model = model
        self.fields = tuple(model._meta.get_field(name) for name in fields)
        self._compiled: dict[str, tuple[str, tuple[Any, ...]] | None] = {}

    def _compile(self, connection: Any) -> tuple[str, tuple[Any, ...]] | None:
        if not connection.features.can_return_columns_from_insert:
            return None
        row = self.model(**{field.attname: Param(field.attname, field) for field in self.fields})
        query = InsertQuery(self.model)
        query.insert_values(self.fields, [row])
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [self.model._meta.pk]
        ((sql, params),) = compiler.as_sql()
        return sql, tuple(params)

    def run(self, **values: Any) -> Any:
        connection = connections[router.db_for_write(self.model)]
        if connection.alias not in self._compiled:
            self._compiled[connection.alias] = self._compile(connection)
        compiled = self._compiled[connection.alias]
        if compiled is None:
            return None
        sql, params = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, _params(params, values, connection))
            return cursor.fetchone()[0]


class _Captured(Exception):
    pass


def _captured_sql(connection: Any, run: Callable[[], Any]) -> tuple[str | None, tuple[Any, ...]]:
    """The SQL and parameters `run` sends to the database, without running it; (None, the
    items of its answer) when it answers without a query."""
    captured: dict[str, Any] = {}

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.update(sql=sql, params=tuple(params or ()))
        raise _Captured

    answer = None
    with connection.execute_wrapper(capture), contextlib.suppress(_Captured):
        answer = run()
    if not captured:
        return None, tuple(answer.items())
    return captured["sql"], captured["params"]


def _params(params: tuple[Any, ...], values: dict[str, Any], connection: Any) -> list[Any]:
    return [
        value.field.get_db_prep_value(values[value.name], connection, prepared=False)
        if isinstance(value, _Slot)
        else value
        for value in params
    ]


def _compile(queryset: QuerySet, connection: Any, mode: str) -> _Compiled:
    if mode == "count":
        inner = queryset.order_by().values("pk")
        compiled = _compile(inner, connection, "rows")
        sql = None if compiled.sql is None else f"SELECT COUNT(*) FROM ({compiled.sql}) counted"  # noqa: S608 (Django's SQL)
        return _Compiled(connection.alias, sql, compiled.params, (), (), 1)
    if mode == "exists":
        queryset = queryset.order_by().values("pk")[:1]
    query = queryset.query
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return _Compiled(connection.alias, None, (), (), (), 0)
    select = compiler.select[: compiler.col_count]
    converters = tuple(
        (position, tuple(converters), expression)
        for position, (converters, expression) in compiler.get_converters(
            [column[0] for column in select]
        ).items()
    )
    names = tuple(
        query.selected or (*query.extra_select, *query.values_select, *query.annotation_select)
    )
    if mode != "objects":
        return _Compiled(
            connection.alias, sql, tuple(params), converters, names, compiler.col_count
        )
    klass_info = compiler.klass_info
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    return _Compiled(
        connection.alias,
        sql,
        tuple(params),
        converters,
        names,
        compiler.col_count,
        model=klass_info["model"],
        model_slice=(start, end),
        init_list=tuple(column[0].target.attname for column in compiler.select[start:end]),
        related_populators=tuple(
            get_related_populators(klass_info, compiler.select, connection.alias)
        ),
        annotation_col_map=tuple((compiler.annotation_col_map or {}).items()),
    )


class StatementRows:
    """A list read by statements, as a Paginator slices it: the count is one statement, each
    slice another (its bounds are part of the shape: the first pages, the ones read most, are
    each built once)."""

    ordered = True

    def __init__(
        self, rows: Statement, counted: Statement, shape: tuple = (), **values: object
    ) -> None:
        self.rows = rows
        self.counted = counted
        self.shape = shape
        self.values = values

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("Only slices of the list are read.")
        return self.rows.objects((index.start or 0, index.stop, *self.shape), **self.values)

    def count(self) -> int:
        return self.counted.count(self.shape, **self.values)
