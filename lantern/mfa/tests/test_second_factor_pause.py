"""The hard cap on wrong second-factor codes (NIST SP 800-63B 5.2.2, issue 9 item 4): a right code
ends the run of wrong ones, a replayed app code is not a wrong one, and after
ACCOUNT_PAUSE_AFTER_FAILURES wrong codes in a row the second step waits for a reset by email or
for the clinic."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from lantern.accounts.services import account_unpause, password_reset_complete
from lantern.mfa import services
from lantern.testing.auth import sign_in_password_only
from lantern.testing.factories_mfa import current_totp_code

pytestmark = pytest.mark.django_db

VERIFY = reverse("mfa:verify")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PAUSED_WORDS = "Your account is paused after many failed attempts"


@pytest.fixture
def pause_after_three(settings, monkeypatch):
    """Pause after three wrong codes; the 15-minute cap of five is moved out of the way."""
    settings.ACCOUNT_PAUSE_AFTER_FAILURES = 3
    monkeypatch.setattr(services, "FAILURE_LIMIT", 50)


def wrong_code(client) -> str:
    return client.post(VERIFY, {"code": "000000"}).content.decode()


def test_wrong_codes_in_a_row_pause_the_second_step_even_for_the_right_code(
    pause_after_three, half_signed_in, alice, alice_app
):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            wrong_code(half_signed_in)
        response = half_signed_in.post(VERIFY, {"code": current_totp_code(alice_app)})
    assert response.status_code == 200
    assert PAUSED_WORDS in response.content.decode()
    alice.refresh_from_db()
    assert alice.second_factor_paused_at is not None


def test_a_right_code_ends_the_run_of_wrong_ones(pause_after_three, alice, alice_app):
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in_password_only(Client(), alice)
        for _ in range(2):
            wrong_code(browser)
        # django-otp's own growing delay per device (1, 2, 4... seconds) passes.
        traveller.shift(dt.timedelta(seconds=5))
        assert browser.post(VERIFY, {"code": current_totp_code(alice_app)}).status_code == 302
        alice.refresh_from_db()
        assert alice.second_factor_failures == 0
        traveller.shift(dt.timedelta(minutes=1))
        browser = sign_in_password_only(Client(), alice)
        for _ in range(2):
            wrong_code(browser)
        traveller.shift(dt.timedelta(seconds=5))
        assert browser.post(VERIFY, {"code": current_totp_code(alice_app)}).status_code == 302


def test_a_replayed_app_code_is_refused_but_not_counted_as_wrong(
    pause_after_three, alice, alice_app
):
    with time_machine.travel(START, tick=False):
        code = current_totp_code(alice_app)
        assert sign_in_password_only(Client(), alice).post(VERIFY, {"code": code}).status_code
        other = sign_in_password_only(Client(), alice)
        for _ in range(4):
            response = other.post(VERIFY, {"code": code})
            assert "it was used already" in response.content.decode()
    alice.refresh_from_db()
    assert alice.second_factor_failures == 0
    assert alice.second_factor_paused_at is None


def test_a_password_reset_by_email_lifts_the_second_step_pause(
    pause_after_three, half_signed_in, alice, alice_app
):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            wrong_code(half_signed_in)
    password_reset_complete(user=alice, new_password="a brand new long passphrase")
    alice.refresh_from_db()
    assert alice.second_factor_paused_at is None
    assert alice.second_factor_failures == 0
    with time_machine.travel(START + dt.timedelta(minutes=2), tick=False):
        browser = sign_in_password_only(Client(), alice)
        assert browser.post(VERIFY, {"code": current_totp_code(alice_app)}).status_code == 302


def test_lifting_a_pause_that_is_not_there_changes_nothing(alice):
    assert not account_unpause(user=alice, actor=None, reason="staff")
