"""Sign-in security events in the audit trail (issue 9, item 8): one test per event type.

Each names the account as its subject (never a patient), and never holds the typed password or
an unknown username.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from lantern.accounts.services import account_unpause
from lantern.audit.models import AuditAction, AuditEvent, AuditOutcome
from lantern.mfa import services as mfa_services
from lantern.testing.auth import sign_in_password_only
from lantern.testing.factories_mfa import TOTPDeviceFactory, current_totp_code

from .conftest import password_step

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TYPED_PASSWORD = "a wrong password typed by someone"


def events(action: AuditAction):
    return AuditEvent.objects.filter(action=action)


def no_secret_anywhere(*secrets: str) -> None:
    for event in AuditEvent.objects.all():
        text = " ".join(str(value) for value in vars(event).values())
        for secret in secrets:
            assert secret not in text


def test_a_completed_sign_in_is_recorded_once_when_the_second_step_is_done(alice):
    device = TOTPDeviceFactory(user=alice)
    client = Client(REMOTE_ADDR="198.51.100.60")
    with time_machine.travel(START, tick=False):
        assert password_step(client, "alice").status_code == 302
        # The password alone is not a sign-in.
        assert not events(AuditAction.SIGN_IN).exists()
        client.post(reverse("mfa:verify"), {"code": current_totp_code(device)})
    event = events(AuditAction.SIGN_IN).get()
    assert (event.subject, event.actor, event.patient) == (alice, alice, None)
    assert event.ip_address == "198.51.100.60"


def test_a_wrong_password_is_recorded_with_the_account_and_without_the_password(alice):
    password_step(Client(), "alice", TYPED_PASSWORD)
    event = events(AuditAction.SIGN_IN_FAILED).get()
    assert (event.subject, event.actor, event.outcome) == (alice, None, AuditOutcome.DENIED)
    no_secret_anywhere(TYPED_PASSWORD)


def test_a_wrong_password_for_an_unknown_username_names_no_one_and_keeps_no_name(alice):
    password_step(Client(), "nobody-by-this-name", TYPED_PASSWORD)
    event = events(AuditAction.SIGN_IN_FAILED).get()
    assert event.subject is None
    no_secret_anywhere(TYPED_PASSWORD, "nobody-by-this-name")


def test_a_lockout_is_recorded(alice):
    client = Client(REMOTE_ADDR="198.51.100.61")
    for _ in range(5):
        password_step(client, "alice", TYPED_PASSWORD)
    assert events(AuditAction.LOCKED_OUT).filter(subject=alice).count() == 1
    # Each attempt refused while locked is recorded too, and is not a counted failure.
    password_step(client, "alice")
    assert events(AuditAction.LOCKED_OUT).filter(subject=alice).count() == 2
    assert events(AuditAction.SIGN_IN_FAILED).count() == 5


def test_a_wrong_second_factor_code_is_recorded(alice):
    TOTPDeviceFactory(user=alice)
    client = sign_in_password_only(Client(), alice)
    client.post(reverse("mfa:verify"), {"code": "000000"})
    event = events(AuditAction.SECOND_FACTOR_FAILED).get()
    assert (event.subject, event.actor, event.outcome) == (alice, None, AuditOutcome.DENIED)
    assert event.object_id == "app"
    no_secret_anywhere("000000")


def test_a_pause_is_recorded_for_each_step(settings, alice, monkeypatch):
    settings.ACCOUNT_PAUSE_AFTER_FAILURES = 2
    settings.AXES_FAILURE_LIMIT = 50
    monkeypatch.setattr(mfa_services, "FAILURE_LIMIT", 50)
    for _ in range(3):
        password_step(Client(), "alice", TYPED_PASSWORD)
    TOTPDeviceFactory(user=alice)
    client = sign_in_password_only(Client(), alice)
    for _ in range(2):
        client.post(reverse("mfa:verify"), {"code": "000000"})
    frozen = events(AuditAction.ACCOUNT_FROZEN).order_by("id")
    assert [event.object_id for event in frozen] == ["password", "second_factor"]
    assert {event.subject for event in frozen} == {alice}


def test_lifting_a_pause_is_recorded(settings, alice):
    settings.ACCOUNT_PAUSE_AFTER_FAILURES = 1
    password_step(Client(), "alice", TYPED_PASSWORD)
    assert account_unpause(user=alice, actor=None, reason="password_reset")
    event = events(AuditAction.ACCOUNT_UNFROZEN).get()
    assert (event.subject, event.actor, event.object_id) == (alice, None, "password_reset")
