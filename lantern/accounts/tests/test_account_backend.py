"""The signed-in account is read by a statement built once per process, and every rule Django's
own backend applies to it still holds on the very next request."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lantern.accounts.backends import ACCOUNT_BACKEND
from lantern.accounts.models import User
from lantern.accounts.tests.conftest import FIREFOX, sign_in

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/account/"
BARE_URL = "/healthz"


def test_signing_in_with_a_password_records_the_account_backend(verified):
    client = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    assert client.session[BACKEND_SESSION_KEY] == ACCOUNT_BACKEND


def test_a_signed_in_request_reads_the_account_and_device_without_building_a_query(verified):
    client = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    client.get(BARE_URL)  # The statements are built by the first request of the process.
    with (
        mock.patch.object(
            SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
        ) as built,
        CaptureQueriesContext(connection) as queries,
    ):
        assert client.get(SETTINGS_URL).status_code == 200
        built.reset_mock()
        client.get(BARE_URL)
    assert built.call_count == 0
    read = " ".join(query["sql"] for query in queries)
    assert User._meta.db_table in read
    assert "otp_" in read
