from unittest import mock

from django.db import DatabaseError


def test_healthz_answers_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_readyz_answers_ready_when_the_database_is_reachable(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ready\n"


def test_readyz_answers_503_when_the_database_is_unreachable(client, db):
    # The failure is simulated at the cursor: an unreachable server cannot be summoned in a test.
    with mock.patch("lantern.core.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
