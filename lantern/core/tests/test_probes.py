from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from lantern.clinical.models import Organization
from lantern.testing.factories import OrganizationFactory

# A path inside a directory that does not exist: SQLite cannot create a file there.
UNREACHABLE_SQLITE = {"NAME": str(Path("/nonexistent-lantern-dir") / "missing" / "db.sqlite3")}
# Nothing listens on port 1, so the server refuses the connection at once.
UNREACHABLE_POSTGRESQL = {"HOST": "127.0.0.1", "PORT": "1"}


@contextmanager
def unreachable_default_database() -> Iterator[BaseDatabaseWrapper]:
    """Point the default alias at a server that is not there, for the current thread.

    A second, real connection with unreachable settings takes the alias's place and the test's
    own connection is set aside untouched. Closing that one and editing its settings instead
    would destroy SQLite's in-memory test database and end the transaction the test runs in.
    """
    original = connections["default"]
    unreachable = UNREACHABLE_POSTGRESQL if original.vendor == "postgresql" else UNREACHABLE_SQLITE
    broken = original.__class__({**original.settings_dict, **unreachable}, alias="default")
    connections["default"] = broken
    try:
        yield broken
    finally:
        connections["default"] = original
        broken.close()


def test_healthz_answers_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_readyz_answers_ready_when_the_database_is_reachable(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ready\n"


def test_readyz_answers_503_when_the_database_is_unreachable(client, db, caplog):
    with (
        unreachable_default_database() as broken,
        caplog.at_level(logging.WARNING, logger="lantern.core.views"),
    ):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content == b"database unreachable\n"
    # The driver itself failed to connect; nothing was simulated.
    assert broken.connection is None
    assert "cannot reach database 'default'" in caplog.text


def test_readyz_recovers_and_the_data_survives_once_the_database_is_back(client, db):
    clinic = OrganizationFactory()

    with unreachable_default_database():
        assert client.get("/readyz").status_code == 503

    assert client.get("/readyz").status_code == 200
    assert Organization.objects.filter(pk=clinic.pk).exists()
