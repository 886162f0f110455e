"""Changes to an account's sign-in details are written to the audit trail as security events:
about the account (subject), by whoever acted, naming no patient."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from lantern.accounts.tests.conftest import FIREFOX, IPHONE, PASSWORD, sign_in
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a lantern by the river at dusk"


def events(user, action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject=user, action=action).order_by("id"))


def confirm(client: Client) -> None:
    client.post(reverse("accounts:confirm_password"), {"password": PASSWORD})


def test_a_password_change_in_settings_is_one_security_event_by_the_account(alice_client, verified):
    confirm(alice_client)

    alice_client.post(reverse("accounts:change_password"), {"new_password": NEW_PASSWORD})

    [event] = events(verified, AuditAction.PASSWORD_CHANGED)
    assert (event.actor, event.actor_role, event.patient) == (verified, ActorRole.SELF, None)
    assert event.object_id == "settings"
    # Ending the other sessions is part of the change, not a second event.
    assert events(verified, AuditAction.SESSION_REVOKED) == []


def test_a_password_reset_by_link_is_a_security_event_with_no_signed_in_actor(client, verified):
    client.post(reverse("accounts:forgot_password"), {"email_or_username": verified.email})
    body = Notification.objects.get(kind=NotificationKind.PASSWORD_RESET).body
    link = "/" + re.search(r"https?://\S+/account/reset/\S+/", body).group(0).split("/", 3)[3]

    client.post(link, {"new_password": NEW_PASSWORD})

    [event] = events(verified, AuditAction.PASSWORD_CHANGED)
    assert (event.actor, event.actor_role, event.object_id) == (None, ActorRole.NONE, "reset")


def test_an_email_change_is_a_security_event_without_the_address(alice_client, verified):
    confirm(alice_client)

    alice_client.post(reverse("accounts:change_email"), {"email": "new@example.org"})

    [event] = events(verified, AuditAction.EMAIL_CHANGED)
    assert event.actor == verified
    assert event.patient is None
    assert "example.org" not in f"{event.object_type} {event.object_id}"


def test_a_phone_change_is_a_security_event_without_the_number(alice_client, verified):
    confirm(alice_client)

    alice_client.post(reverse("accounts:change_phone"), {"phone": "(202) 555-0143"})

    [event] = events(verified, AuditAction.PHONE_CHANGED)
    assert event.actor == verified
    assert "555" not in f"{event.object_type} {event.object_id}"


def test_sign_out_everywhere_is_one_session_revocation_event(verified):
    laptop = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    sign_in(Client(HTTP_USER_AGENT=IPHONE), verified)

    laptop.post(reverse("accounts:sign_out_everywhere"))

    [event] = events(verified, AuditAction.SESSION_REVOKED)
    assert (event.actor, event.object_type, event.object_id) == (verified, "session", "all")
