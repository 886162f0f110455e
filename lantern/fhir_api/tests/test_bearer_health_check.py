"""The token lookup is the connection's health check: an API request makes no `SELECT 1` round
trip before it, and a kept connection that stopped working is replaced, the request served."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connections
from django.test import Client

from lantern.fhir_api.testing import connected_app_token

pytestmark = pytest.mark.django_db(transaction=True)
# The database wrapper itself (`django.db.connection` is a proxy, which monkeypatch cannot undo).
connection = connections["default"]

SEARCH = "/fhir/r4/Condition?_count=1"


@pytest.fixture
def health_checks(monkeypatch):
    """Health checks on (as config/settings.py turns them on), each `is_usable` call counted."""
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    monkeypatch.setattr(connection, "health_check_enabled", True)
    calls = []
    usable = connection.is_usable

    def counted() -> bool:
        calls.append(1)
        return usable()

    monkeypatch.setattr(connection, "is_usable", counted)
    return calls


def next_request(client: Client):
    # What the start of each request does to a kept connection (`close_old_connections`).
    connection.close_if_unusable_or_obsolete()
    return client.get(SEARCH)


def test_an_api_request_makes_no_separate_health_check(alice, health_checks):
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {connected_app_token(alice, alice.patient, 'patient/*.rs')}"
    )
    assert client.get(SEARCH).status_code == 200

    assert next_request(client).status_code == 200
    assert next_request(client).status_code == 200

    # Health checks are on, yet no request made Django's own `is_usable` round trip: the token
    # lookup stood in for it. (Whether Django's flag is left set after the last request depends
    # on whether earlier tests in the process left the connection open, so it is not read.)
    assert health_checks == []


def test_a_dropped_connection_is_replaced_and_the_request_served(alice, health_checks):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no server to lose the connection.")
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {connected_app_token(alice, alice.patient, 'patient/*.rs')}"
    )
    assert client.get(SEARCH).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        dropped = cursor.fetchone()[0]
    settings = connection.get_connection_params()
    with psycopg.connect(**settings, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [dropped])

    assert next_request(client).status_code == 200

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != dropped
