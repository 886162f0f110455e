"""Nothing about a token's validity outlives a request: the same client, on the same database
connection (where the token lookup is a prepared statement on PostgreSQL), is refused on its
very next request after any of the changes that end an app's access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lantern.access.models import ProxyRelationship, ProxyStatus
from lantern.fhir_api.models import AppAuthorization, RegisteredApp
from lantern.fhir_api.services import app_authorization_revoke, registered_app_set_disabled
from lantern.fhir_api.testing import connected_app_token

pytestmark = pytest.mark.django_db

# A section every persona here may open (a proxy fixture: the health record).
SEARCH = "/fhir/r4/Condition?_count=1"


def api_client(user, patient) -> Client:
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {connected_app_token(user, patient, 'patient/*.rs')}"
    )
    for _ in range(3):  # Read a few times first: the lookup is planned once, then reused.
        assert client.get(SEARCH).status_code == 200
    return client


def test_a_disconnected_app_is_refused_on_its_next_request(alice):
    client = api_client(alice, alice.patient)
    authorization = AppAuthorization.objects.get()

    assert app_authorization_revoke(user=alice, authorization_id=str(authorization.public_id))

    assert client.get(SEARCH).status_code == 401


def test_a_disabled_app_is_refused_on_its_next_request_and_served_again_when_enabled(alice, nora):
    client = api_client(alice, alice.patient)
    registration = RegisteredApp.objects.get()

    registered_app_set_disabled(staff_user=nora, registration_id=registration.pk, disabled=True)
    assert client.get(SEARCH).status_code == 401

    registered_app_set_disabled(staff_user=nora, registration_id=registration.pk, disabled=False)
    assert client.get(SEARCH).status_code == 200


def test_a_revoked_access_token_is_refused_on_its_next_request(alice):
    from oauth2_provider.models import AccessToken

    client = api_client(alice, alice.patient)

    AccessToken.objects.all().delete()  # What the toolkit's revocation endpoint does.

    assert client.get(SEARCH).status_code == 401


def test_an_inactive_account_is_refused_on_its_next_request(alice):
    client = api_client(alice, alice.patient)

    type(alice).objects.filter(pk=alice.pk).update(is_active=False)

    assert client.get(SEARCH).status_code == 401


def test_an_ended_proxy_relationship_is_refused_on_its_next_request(alice, bob):
    client = api_client(bob, alice.patient)

    # The status alone (the service that ends it also disconnects the proxy's apps).
    ProxyRelationship.objects.filter(proxy=bob).update(
        status=ProxyStatus.REVOKED, ended_at=timezone.now()
    )

    assert client.get(SEARCH).status_code == 404


def test_a_proxy_relationship_past_its_end_date_is_refused_on_its_next_request(alice, bob):
    client = api_client(bob, alice.patient)

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    ProxyRelationship.objects.filter(proxy=bob).update(
        starts_on=yesterday - dt.timedelta(days=30), ends_on=yesterday
    )

    assert client.get(SEARCH).status_code == 404


def test_on_postgresql_the_token_lookup_is_planned_once_per_connection(alice):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Prepared statements are PostgreSQL's.")
    client = api_client(alice, alice.patient)
    # Prepared once it has run twice on the connection (config/settings.py, PREPARE_AFTER).
    for _ in range(2):
        assert client.get(SEARCH).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(SEARCH).status_code == 200

    # Logged like any query, with its text and the checksum in it.
    assert "oauth2_provider_accesstoken" in queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%oauth2_provider_accesstoken%"],
        )
        assert cursor.fetchone()[0] == 1
