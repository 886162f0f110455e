"""The device a session was verified with is read on every request (in a prepared statement):
removing it, or taking back its confirmation, ends the verification on the very next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from lantern.testing.auth import sign_in
from lantern.testing.factories_mfa import EmailDeviceFactory, TOTPDeviceFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/account/"


def verified_with(client: Client, device) -> Client:
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def sends_to_second_factor(client: Client) -> bool:
    response = client.get(SETTINGS_URL)
    return response.status_code == 302 and "/two-factor/" in response.url


@pytest.mark.parametrize("factory", [TOTPDeviceFactory, EmailDeviceFactory])
def test_a_session_verified_with_a_device_reaches_its_pages(alice, factory):
    client = verified_with(sign_in(Client(), alice), factory(user=alice))
    response = client.get(SETTINGS_URL)
    assert response.status_code == 200
    assert response.wsgi_request.user.is_verified()


def test_the_device_is_read_in_one_statement_on_every_request(alice):
    device = TOTPDeviceFactory(user=alice)
    client = verified_with(sign_in(Client(), alice), device)
    client.get(SETTINGS_URL)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SETTINGS_URL)
    assert response.wsgi_request.user.otp_device == device
    assert len([query for query in queries if "otp_totp_totpdevice" in query["sql"]]) == 1


def test_a_removed_device_ends_the_verification_on_the_next_request(alice):
    device = TOTPDeviceFactory(user=alice)
    client = verified_with(sign_in(Client(), alice), device)
    assert client.get(SETTINGS_URL).status_code == 200
    device.delete()
    assert sends_to_second_factor(client)


def test_a_device_no_longer_confirmed_ends_the_verification_on_the_next_request(alice):
    device = TOTPDeviceFactory(user=alice)
    client = verified_with(sign_in(Client(), alice), device)
    assert client.get(SETTINGS_URL).status_code == 200
    StaticDevice.objects.filter(user=alice).delete()  # The backup codes of `sign_in`.
    device.confirmed = False
    device.save(update_fields=["confirmed"])
    assert sends_to_second_factor(client)


def test_another_accounts_device_does_not_verify_the_session(alice, charlie):
    client = verified_with(sign_in(Client(), alice), TOTPDeviceFactory(user=charlie))
    assert sends_to_second_factor(client)


@pytest.mark.parametrize(
    "persistent_id", ["nonsense", "otp_totp.totpdevice/x", "no_app.device/1", "auth.user/1"]
)
def test_a_malformed_or_foreign_device_id_verifies_nothing(alice, persistent_id):
    client = sign_in(Client(), alice)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()
    assert sends_to_second_factor(client)
