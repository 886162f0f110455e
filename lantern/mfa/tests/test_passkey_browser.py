"""A real passkey ceremony in Chromium (phone width), with its virtual authenticator standing in
for the phone's screen lock: alice signs in with her password, sets up a passkey as her first
second factor, signs out, and signs in again with password and passkey, without any code."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp_webauthn.models import WebAuthnCredential

from lantern.enrollment.testing import accept_current_terms

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def passkey_origin(settings, live_server):
    """The live server's origin is the one the browser reports in each ceremony.

    django-otp-webauthn reads OTP_WEBAUTHN_* through an object that looks up Django's settings on
    every access, so the `settings` fixture's override reaches it without anything cached.
    """
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]


@pytest.fixture
def authenticator(page):
    """A platform authenticator with a resident key that verifies the user without a prompt."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    added = session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield session, added["authenticatorId"]
    session.detach()


def sign_in_with_password(page) -> None:
    page.goto("/signin/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def session_key(page) -> str:
    return next(
        cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "sessionid"
    )


def sign_out(page) -> None:
    """Through the menu, as on a phone: Menu → Your account → Sign out."""
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Your account").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name=re.compile("signed out", re.I)).wait_for()


def test_patient_sets_up_a_passkey_and_signs_in_again_with_it_without_a_code(
    page, alice, passkey_origin, authenticator
):
    accept_current_terms(alice)
    session, authenticator_id = authenticator

    # Password first; an account without a second factor is sent to set one up.
    sign_in_with_password(page)
    page.get_by_role("heading", name="Protect your account with a second step").wait_for()
    page.get_by_role("link", name="Set up passkey").click()
    page.get_by_role("heading", name="Set up a passkey").wait_for()
    key_before_passkey = session_key(page)
    page.get_by_role("button", name="Create a passkey").click()

    # Registered: the first method comes with backup codes, then the home page. The session
    # passed its second factor, so it has a new key, as after a code.
    page.get_by_role("heading", name="Save your backup codes").wait_for()
    assert session_key(page) != key_before_passkey
    page.get_by_role("button", name="I have saved these codes").click()
    page.get_by_role("heading", name="Welcome, Alice").wait_for()
    credential = WebAuthnCredential.objects.get(user=alice)
    assert credential.confirmed
    stored = session.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(stored["credentials"]) == 1
    backup_codes = StaticToken.objects.filter(device__user=alice).count()
    assert backup_codes > 0
    sign_out(page)

    # Back again: the password, then the passkey instead of a code.
    sign_in_with_password(page)
    page.get_by_role("heading", name="Confirm it is you").wait_for()
    assert page.get_by_label("Code", exact=True).count() == 0
    key_before_passkey = session_key(page)
    page.get_by_role("button", name="Use my passkey").click()
    page.get_by_role("heading", name="Welcome, Alice").wait_for()
    assert session_key(page) != key_before_passkey

    credential.refresh_from_db()
    assert credential.last_used_at is not None
    assert StaticToken.objects.filter(device__user=alice).count() == backup_codes
