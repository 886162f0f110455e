"""Query plans and the work a query does, for tests that show a page reads as much whatever the
data: rows read by PostgreSQL's EXPLAIN ANALYZE, steps of SQLite's virtual machine."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from django.db import connection


def plan_nodes(node: dict) -> Iterator[dict]:
    """A plan node (EXPLAIN's JSON) and every node under it."""
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def analyzed_plan(sql: str) -> dict:
    """The top node of the query's plan, run under EXPLAIN ANALYZE with sequential scans
    discouraged, as a large table would be read."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]


def node_rows_read(node: dict, tables: set[str]) -> int:
    """How many rows of `tables` the plan node and those under it read, returned or filtered
    out; a bitmap scan also counts the index entries it gathered before reading the table."""
    total = 0
    for each in plan_nodes(node):
        if each.get("Relation Name") not in tables:
            continue
        rows = (
            each.get("Actual Rows", 0)
            + each.get("Rows Removed by Filter", 0)
            + each.get("Rows Removed by Index Recheck", 0)
        )
        if each["Node Type"] == "Bitmap Heap Scan":
            rows = max(
                rows,
                sum(index["Actual Rows"] for index in plan_nodes(each) if index is not each),
            )
        total += rows * each.get("Actual Loops", 1)
    return total


def rows_read(sql: str, tables: Iterable[str]) -> int:
    """How many rows of `tables` the query reads (see `node_rows_read`)."""
    return node_rows_read(analyzed_plan(sql), set(tables))


def rows_read_by_subquery(sql: str, tables: Iterable[str]) -> list[int]:
    """For a query that selects several subqueries (`SELECT (SELECT ...), (SELECT ...)`), how
    many rows of `tables` each reads, in order."""
    top = analyzed_plan(sql)
    return [
        node_rows_read(part, set(tables))
        for part in top.get("Plans", [])
        if part.get("Parent Relationship") == "InitPlan"
    ]


def sqlite_steps(sql: str) -> int:
    """How many steps SQLite's virtual machine takes to run the query to its last row (counted
    by a progress handler, in tens): the work it does, rows read and sorted among it."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += SQLITE_STEPS_PER_CALL
        return 0  # Go on.

    connection.ensure_connection()
    raw = connection.connection
    raw.set_progress_handler(count, SQLITE_STEPS_PER_CALL)
    try:
        raw.execute(sql).fetchall()
    finally:
        raw.set_progress_handler(None, SQLITE_STEPS_PER_CALL)
    return steps


SQLITE_STEPS_PER_CALL = 10
