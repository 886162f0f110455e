"""On PostgreSQL a statement run again on a connection is prepared (parsed once, then only its
values are sent), unless DATABASE_PREPARED_STATEMENTS turns it off for a pooler."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.db.models import F

from lantern.clinical.models import Patient
from lantern.core.database import PREPARED_STATEMENTS_KEPT
from lantern.core.tests.test_debug_settings import run_python

pytestmark = pytest.mark.django_db

PRINT_OPTIONS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
)
POSTGRESQL_URL = "postgres://lantern@127.0.0.1:5432/lantern_nowhere"


def _prepared_statements_naming(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall() if table in statement]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no server to prepare statements on"
)
def test_a_statement_run_again_on_a_postgresql_connection_is_prepared_once():
    # A statement of its own (named by its column alias), whatever else the connection ran.
    for _ in range(3):
        probe = Patient.objects.filter(pk=uuid.uuid4()).annotate(lantern_probe=F("mrn"))
        assert not probe.values_list("lantern_probe", flat=True)

    prepared = _prepared_statements_naming("lantern_probe")
    assert len(prepared) == 1
    # Its values are parameters bound by the server, not text in the statement.
    assert "$1" in prepared[0]
    assert connection.connection.prepared_max == PREPARED_STATEMENTS_KEPT


def test_postgresql_connections_bind_on_the_server_and_prepare_unless_turned_off():
    prepared = run_python(
        PRINT_OPTIONS, DATABASE_URL=POSTGRESQL_URL, DATABASE_PREPARED_STATEMENTS=""
    )
    turned_off = run_python(
        PRINT_OPTIONS, DATABASE_URL=POSTGRESQL_URL, DATABASE_PREPARED_STATEMENTS="off"
    )

    assert prepared.returncode == 0, prepared.stderr
    assert turned_off.returncode == 0, turned_off.stderr
    options = json.loads(prepared.stdout)
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] >= 1
    assert "server_side_binding" not in json.loads(turned_off.stdout)
    assert "prepare_threshold" not in json.loads(turned_off.stdout)
