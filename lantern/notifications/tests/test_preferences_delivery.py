"""The new-message notice through a real SMTP server and the real task worker."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lantern.notifications.models import Notification, NotificationEvent, NotificationStatus
from lantern.notifications.preferences import notify_patient_accounts
from lantern.notifications.testing import deliver_all, run_worker_until_idle


@pytest.fixture
def alice_confirmed(alice):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    return alice


def announce_new_message(alice, key: str = "new-message:1") -> list[Notification]:
    return notify_patient_accounts(
        patient=alice.patient, event=NotificationEvent.NEW_MESSAGE, dedupe_key=key
    )


@pytest.mark.django_db
def test_the_new_message_email_arrives_with_a_link_and_no_content(
    alice_confirmed, smtp_server, settings
):
    settings.PUBLIC_BASE_URL = "https://portal.example.org"
    settings.CLINIC_NAME = "Riverside Family Clinic"
    announce_new_message(alice_confirmed)

    assert deliver_all() == 1

    (message,) = smtp_server.messages
    assert message["Subject"] == "You have a new message from Riverside Family Clinic"
    assert message["To"] == "alice@example.org"
    body = message.get_content().replace("\r\n", "\n")
    assert "Sign in to read it:\nhttps://portal.example.org/messages/\n" in body
    assert "Tips to keep your account safe: https://portal.example.org/security-tips/" in body
    patient = alice_confirmed.patient
    for revealing in (patient.given_names, patient.family_name, patient.mrn):
        assert revealing not in body
        assert revealing not in message["Subject"]


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_gets_the_notice_later_and_only_once(
    alice_confirmed, smtp_server
):
    smtp_server.stop()
    with transaction.atomic():
        (notification,) = announce_new_message(alice_confirmed)

    run_worker_until_idle()

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 1
    assert notification.last_error.startswith("ConnectionRefusedError")
    smtp_server.start()
    # The same event announced again (a retried request) queues nothing more.
    with transaction.atomic():
        assert announce_new_message(alice_confirmed) == []

    with time_machine.travel(notification.next_attempt_at + dt.timedelta(seconds=1)):
        run_worker_until_idle()
        run_worker_until_idle()

    (message,) = smtp_server.messages
    assert message["Subject"] == f"You have a new message from {settings.CLINIC_NAME}"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2
    assert Notification.objects.count() == 1
