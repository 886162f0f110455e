"""Every way of passing the second step turns this session's password step into a completed
sign-in (lantern.accounts.models.SignInEvent.second_factor_at); a password alone does not."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from lantern.accounts.models import SignInEvent
from lantern.accounts.session_state import SIGN_IN_EVENT_ID
from lantern.mfa.passkeys import AuthenticationComplete
from lantern.mfa.services import TRUST_COOKIE_NAME, backup_codes_create
from lantern.testing.factories_mfa import (
    EmailDeviceFactory,
    SmsDeviceFactory,
    current_totp_code,
)

from .conftest import last_code_sent_to

pytestmark = pytest.mark.django_db

VERIFY = reverse("mfa:verify")
PASSWORD = "correct horse battery staple"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def password_step(client: Client, user) -> SignInEvent:
    """The real sign-in page: returns the sign-in it recorded, not yet completed."""
    response = client.post(
        reverse("accounts:sign_in"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return SignInEvent.objects.get(pk=client.session[SIGN_IN_EVENT_ID], user=user)


def completed_at(event: SignInEvent) -> dt.datetime | None:
    event.refresh_from_db()
    return event.second_factor_at


@time_machine.travel(START, tick=False)
def test_a_password_alone_leaves_the_sign_in_not_completed(client, alice, alice_app):
    event = password_step(client, alice)
    client.get(VERIFY)
    client.get(reverse("accounts:settings"))

    assert completed_at(event) is None


@time_machine.travel(START, tick=False)
def test_a_wrong_code_leaves_the_sign_in_not_completed(client, alice, alice_app):
    event = password_step(client, alice)
    client.post(VERIFY, {"code": "000000"})

    assert completed_at(event) is None


@time_machine.travel(START, tick=False)
def test_an_authenticator_app_code_completes_the_sign_in(client, alice, alice_app):
    event = password_step(client, alice)
    client.post(VERIFY, {"code": current_totp_code(alice_app)})

    assert completed_at(event) == START


@time_machine.travel(START, tick=False)
def test_a_backup_code_completes_the_sign_in(client, alice, alice_app):
    codes = backup_codes_create(user=alice).codes
    event = password_step(client, alice)
    client.post(f"{VERIFY}?method=backup", {"code": codes[0]})

    assert completed_at(event) == START


@time_machine.travel(START, tick=False)
def test_an_email_code_completes_the_sign_in(client, verified_email):
    EmailDeviceFactory(user=verified_email)
    event = password_step(client, verified_email)
    client.post(reverse("mfa:verify_send"), {"method": "email"})
    client.post(f"{VERIFY}?method=email", {"code": last_code_sent_to(verified_email.email)})

    assert completed_at(event) == START


@time_machine.travel(START, tick=False)
def test_a_text_message_code_completes_the_sign_in(client, alice):
    device = SmsDeviceFactory(user=alice)
    event = password_step(client, alice)
    client.post(reverse("mfa:verify_send"), {"method": "sms"})
    client.post(f"{VERIFY}?method=sms", {"code": last_code_sent_to(device.phone)})

    assert completed_at(event) == START


def test_a_trusted_browser_completes_the_sign_in_without_a_code(client, alice, alice_app):
    with time_machine.travel(START, tick=False):
        password_step(client, alice)
        client.post(VERIFY, {"code": current_totp_code(alice_app), "trust": "on"})
        assert TRUST_COOKIE_NAME in client.cookies
        client.post(reverse("accounts:sign_out"))
    later = START + dt.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        event = password_step(client, alice)
        response = client.get(VERIFY)

    assert response.status_code == 302
    assert completed_at(event) == later


@time_machine.travel(START, tick=False)
def test_setting_up_the_first_method_completes_the_sign_in(client, alice):
    # An account without a method (as after enrollment) sets one up right after its password.
    event = password_step(client, alice)
    client.get(reverse("mfa:setup_method", args=["app"]))
    device = alice.totpdevice_set.get(confirmed=False)
    client.post(reverse("mfa:setup_method", args=["app"]), {"code": current_totp_code(device)})

    assert completed_at(event) == START


@time_machine.travel(START, tick=False)
def test_a_passkey_completes_the_sign_in(client, alice):
    # The browser ceremony is covered by test_passkey_browser; here the step the library takes
    # once it has checked the passkey's signature (AuthenticationComplete.complete_auth) runs on
    # the session left by the real password step.
    passkey = WebAuthnCredential.objects.create(
        user=alice,
        name="Passkey",
        confirmed=True,
        credential_id=b"credential",
        credential_id_sha256=hashlib.sha256(b"credential").hexdigest(),
        public_key=b"key",
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    event = password_step(client, alice)
    request = RequestFactory().post(reverse("mfa:passkey_authentication_complete"))
    request.session = SessionStore(session_key=client.session.session_key)
    request.user = alice
    view = AuthenticationComplete()
    view.request = request

    view.complete_auth(passkey)

    assert completed_at(event) == START


@time_machine.travel(START, tick=False)
def test_only_this_sessions_password_step_is_completed(client, alice, alice_app):
    other_attempt = password_step(Client(), alice)
    event = password_step(client, alice)
    client.post(VERIFY, {"code": current_totp_code(alice_app)})

    assert completed_at(event) == START
    assert completed_at(other_attempt) is None
