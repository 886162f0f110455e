from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver, reverse

from lantern.access.decorators import access_rule
from lantern.testing.auth import sign_in
from lantern.testing.factories_mfa import TOTPDeviceFactory

pytestmark = pytest.mark.django_db

EXPECTED_RULES = {
    "passkey_setup_registration_begin": "signing_in",
    "passkey_setup_registration_complete": "signing_in",
    "passkey_registration_begin": "signed_in",
    "passkey_registration_complete": "signed_in",
    "passkey_authentication_begin": "signing_in",
    "passkey_authentication_complete": "signing_in",
    "passkey_js_catalog": "public",
}


def test_every_passkey_endpoint_carries_its_access_rule():
    resolver = get_resolver().namespace_dict["mfa"][1]
    rules = {
        entry.name: access_rule(entry.callback)
        for entry in resolver.url_patterns
        if isinstance(entry, URLPattern) and entry.name in EXPECTED_RULES
    }

    assert rules == EXPECTED_RULES


def test_passwordless_passkey_sign_in_is_off(client, settings):
    assert settings.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is False

    response = client.post(reverse("mfa:passkey_authentication_begin"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign_in"))


def test_first_setup_returns_passkey_registration_options(half_signed_in, alice):
    response = half_signed_in.post(
        reverse("mfa:passkey_setup_registration_begin"), content_type="application/json"
    )

    options = response.json()
    assert response.status_code == 200
    assert options["rp"]["id"] == "localhost"
    assert options["user"]["name"] == "alice"
    assert "challenge" in options


def test_first_setup_registration_is_refused_once_a_method_exists(half_signed_in, alice):
    TOTPDeviceFactory(user=alice)

    response = half_signed_in.post(
        reverse("mfa:passkey_setup_registration_begin"), content_type="application/json"
    )

    assert response.status_code == 403


def test_a_signed_in_account_gets_registration_options_after_confirming_its_password(client, alice):
    from .test_manage import confirm_password

    TOTPDeviceFactory(user=alice)
    sign_in(client, alice)
    url = reverse("mfa:passkey_registration_begin")

    # The script is told to confirm the password (it cannot follow a redirect to a page).
    assert client.post(url, content_type="application/json").status_code == 403
    confirm_password(client)
    response = client.post(url, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["user"]["name"] == "alice"


def test_a_half_signed_in_account_cannot_use_the_later_registration(half_signed_in, alice):
    TOTPDeviceFactory(user=alice)

    response = half_signed_in.post(
        reverse("mfa:passkey_registration_begin"), content_type="application/json"
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa:verify"))


def test_the_verify_step_returns_passkey_authentication_options(half_signed_in, alice):
    TOTPDeviceFactory(user=alice)

    response = half_signed_in.post(
        reverse("mfa:passkey_authentication_begin"), content_type="application/json"
    )

    assert response.status_code == 200
    assert "challenge" in response.json()
