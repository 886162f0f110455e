"""The session store reads its row in one plain statement, and every way a session ends still
takes effect on the very next request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lantern.accounts.session_store import SessionStore
from lantern.accounts.tests.conftest import FIREFOX, sign_in

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/account/"


def test_a_saved_session_loads_as_it_was_saved():
    store = SessionStore()
    store["answer"] = 42
    store.save()
    assert SessionStore(session_key=store.session_key)["answer"] == 42


def test_an_expired_session_loads_empty_and_gets_a_new_key_on_its_next_save():
    store = SessionStore()
    store["answer"] = 42
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(session_key=store.session_key)
    assert "answer" not in expired
    expired["answer"] = 43
    expired.save()
    assert expired.session_key != store.session_key


def test_an_unknown_or_missing_key_loads_empty():
    assert dict(SessionStore(session_key="no-such-session-key-anywhere").items()) == {}
    assert dict(SessionStore().items()) == {}


def test_the_row_is_read_in_one_statement_on_every_request(verified):
    client = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    client.get(SETTINGS_URL)
    with CaptureQueriesContext(connection) as queries:
        client.get(SETTINGS_URL)
    session_reads = [query for query in queries if "django_session" in query["sql"]]
    assert len(session_reads) == 1
    assert "LIMIT" not in session_reads[0]["sql"]


def test_a_session_deleted_elsewhere_is_signed_out_on_the_next_request(verified):
    # Signing out in another web process deletes the row; nothing of it is kept in this one.
    client = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    assert client.get(SETTINGS_URL).status_code == 200
    Session.objects.all().delete()
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302
    assert "/signin/" in response.url


def test_a_password_changed_elsewhere_signs_the_session_out_on_the_next_request(verified):
    client = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    assert client.get(SETTINGS_URL).status_code == 200
    # Only the password itself: the session's hash of it no longer matches.
    verified.set_password("a different long passphrase 7")
    verified.save(update_fields=["password"])
    assert client.get(SETTINGS_URL).status_code == 302


def test_a_deactivated_account_is_signed_out_on_the_next_request(verified):
    client = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    assert client.get(SETTINGS_URL).status_code == 200
    verified.is_active = False
    verified.save(update_fields=["is_active"])
    assert client.get(SETTINGS_URL).status_code == 302
