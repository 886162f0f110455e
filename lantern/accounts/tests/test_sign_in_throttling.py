"""Sign-in throttling that cannot be turned against others (issue 9, items 1, 2 and 4).

Locks are per username (and per username and address); an address alone is only refused after
many failures; a success clears only its own username's failures; after many failures in a row
a username's password step is paused until a reset by email or by the clinic.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from lantern.accounts.forms import SIGN_IN_PAUSED
from lantern.accounts.models import EmailVerification, PasswordFailureCount
from lantern.accounts.services import password_reset_complete

from .conftest import password_step, sign_in, without_csrf_token

pytestmark = pytest.mark.django_db

HOUR_START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PAUSED_WORDS = "Your account is paused after many failed attempts"


def test_signing_in_to_ones_own_account_does_not_clear_failures_against_another(alice, charlie):
    attacker = Client(REMOTE_ADDR="198.51.100.40")
    for _ in range(4):
        assert password_step(attacker, "alice", "guess number one").status_code == 200
    # The attacker has an account of their own and signs in to it from the same address.
    assert password_step(attacker, "charlie").status_code == 302
    attacker = Client(REMOTE_ADDR="198.51.100.40")
    assert password_step(attacker, "alice", "guess number five").status_code == 429
    # Alice's own right password is refused too, until the lock ends.
    assert password_step(Client(REMOTE_ADDR="198.51.100.41"), "alice").status_code == 429


def test_wrong_passwords_for_many_usernames_from_one_address_lock_no_one_else_out(charlie):
    # Behind the clinic's proxy or network, many patients share one address.
    shared = Client(REMOTE_ADDR="198.51.100.20")
    for username in ["ann", "ben", "cat", "dan", "eve", "fay"]:
        assert password_step(shared, username, "guess").status_code == 200
    assert password_step(shared, "charlie").status_code == 302


def test_an_address_is_refused_after_many_failures_in_an_hour(settings, charlie):
    settings.SIGN_IN_FAILURES_PER_ADDRESS_PER_HOUR = 3
    with time_machine.travel(HOUR_START + dt.timedelta(minutes=5), tick=False) as traveller:
        busy = Client(REMOTE_ADDR="198.51.100.21")
        for username in ["ann", "ben", "cat"]:
            assert password_step(busy, username, "guess").status_code == 200
        refused = password_step(busy, "charlie")
        assert refused.status_code == 200
        assert "too many sign-in attempts from your network" in refused.content.decode()
        # Another address is not affected.
        assert password_step(Client(REMOTE_ADDR="198.51.100.22"), "charlie").status_code == 302
        traveller.shift(dt.timedelta(minutes=55, seconds=1))
        assert password_step(Client(REMOTE_ADDR="198.51.100.21"), "charlie").status_code == 302


def test_the_address_limit_is_a_setting_of_one_hundred_by_default(settings):
    assert settings.SIGN_IN_FAILURES_PER_ADDRESS_PER_HOUR == 100
    assert settings.ACCOUNT_PAUSE_AFTER_FAILURES == 100


@pytest.fixture
def pause_after_three(settings):
    """Pause after three wrong passwords in a row; django-axes' lock is moved out of the way so
    the test can reach the count without waiting out 15-minute locks."""
    settings.ACCOUNT_PAUSE_AFTER_FAILURES = 3
    settings.AXES_FAILURE_LIMIT = 50


def test_many_wrong_passwords_in_a_row_pause_the_password_step(pause_after_three, alice):
    client = Client(REMOTE_ADDR="198.51.100.50")
    for _ in range(3):
        password_step(client, "alice", "guess")
    # Even the right password, from anywhere, is now refused with plain words.
    response = password_step(Client(REMOTE_ADDR="198.51.100.51"), "alice")
    assert response.status_code == 200
    assert str(SIGN_IN_PAUSED) in response.content.decode()


def test_a_paused_unknown_username_gets_the_same_answer_as_a_paused_account(
    pause_after_three, alice
):
    for username in ["alice", "nobody-here"]:
        client = Client(REMOTE_ADDR="198.51.100.52")
        for _ in range(3):
            password_step(client, username, "guess")
    real = password_step(Client(), "alice", "guess")
    unknown = password_step(Client(), "nobody-here", "guess")
    pages = [
        without_csrf_token(response.content).replace(name, "NAME")
        for response, name in [(real, "alice"), (unknown, "nobody-here")]
    ]
    assert PAUSED_WORDS in pages[0]
    assert pages[0] == pages[1]
    # Only a keyed hash of each username is kept.
    assert not PasswordFailureCount.objects.filter(username_digest__contains="nobody").exists()


def test_a_right_password_ends_the_run_of_wrong_ones(pause_after_three, alice):
    client = Client(REMOTE_ADDR="198.51.100.53")
    for _ in range(2):
        password_step(client, "alice", "guess")
    assert password_step(client, "alice").status_code == 302
    client = Client(REMOTE_ADDR="198.51.100.53")
    for _ in range(2):
        password_step(client, "alice", "guess")
    assert password_step(client, "alice").status_code == 302


def test_a_password_reset_by_email_lifts_the_pause(pause_after_three, alice):
    for _ in range(3):
        password_step(Client(), "alice", "guess")
    assert PAUSED_WORDS in password_step(Client(), "alice").content.decode()
    # What the emailed link's page does once the new password is accepted.
    new_password = "a brand new long passphrase"
    password_reset_complete(user=alice, new_password=new_password)
    assert password_step(Client(), "alice", new_password).status_code == 302


def test_resending_the_email_confirmation_link_is_limited(settings, alice):
    settings.EMAIL_CONFIRMATIONS_PER_HOUR = 2
    client = sign_in(Client(), alice)
    resend = reverse("accounts:resend_verification")
    with time_machine.travel(HOUR_START + dt.timedelta(minutes=1), tick=False) as traveller:
        for _ in range(2):
            client.post(resend)
        response = client.post(resend, follow=True)
        assert EmailVerification.objects.filter(user=alice).count() == 2
        assert "We have sent several links in the last hour" in response.content.decode()
        traveller.shift(dt.timedelta(hours=1))
        client.post(resend)
        assert EmailVerification.objects.filter(user=alice).count() == 3
