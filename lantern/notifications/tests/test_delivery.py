"""Delivery: a real SMTP server, at-most-once claims, retries with backoff, giving up."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from lantern.notifications.models import (
    DeliveredSms,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from lantern.notifications.services import (
    SENDING_STALE_AFTER,
    DeliveryOutcome,
    notification_deliver,
    notification_send,
    notifications_deliver_due,
)
from lantern.notifications.tasks import deliver_notification
from lantern.notifications.testing import deliver_all

pytestmark = pytest.mark.django_db


def send_reset_link() -> Notification:
    (notification,) = notification_send(
        kind=NotificationKind.PASSWORD_RESET,
        email="alice@example.org",
        context={"link": "http://localhost:8000/account/reset/one-time-token/"},
    )
    return notification


def test_an_email_reaches_the_smtp_server_with_subject_recipient_body_and_footer(
    smtp_server, settings
):
    settings.CLINIC_NAME = "Riverside Family Clinic"
    settings.DEFAULT_FROM_EMAIL = "Riverside <no-reply@riverside.example>"
    notification = send_reset_link()

    result = notification_deliver(notification_id=notification.pk)

    assert result.outcome == DeliveryOutcome.SENT
    (message,) = smtp_server.messages
    assert message["Subject"] == "Reset your password"
    assert message["To"] == "alice@example.org"
    assert message["From"] == "Riverside <no-reply@riverside.example>"
    assert smtp_server.envelopes == [("no-reply@riverside.example", ["alice@example.org"])]
    # SMTP carries lines ending in CRLF.
    body = message.get_content().replace("\r\n", "\n")
    assert "http://localhost:8000/account/reset/one-time-token/" in body
    assert "expires in 1 hour" in body
    assert body.rstrip().endswith(
        "Riverside Family Clinic\n"
        "We will never ask for your password by email or text message.\n"
        "Tips to keep your account safe: http://localhost:8000/security-tips/"
    )
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1


def test_two_deliveries_of_one_row_send_one_email(smtp_server):
    notification = send_reset_link()

    first = notification_deliver(notification_id=notification.pk)
    second = notification_deliver(notification_id=notification.pk)

    assert (first.outcome, second.outcome) == (DeliveryOutcome.SENT, DeliveryOutcome.SKIPPED)
    assert len(smtp_server.messages) == 1


def test_running_the_task_twice_sends_one_email(smtp_server):
    notification = send_reset_link()

    first = deliver_notification.call(str(notification.pk))
    second = deliver_notification.call(str(notification.pk))

    assert (first, second) == ("sent", "skipped")
    assert len(smtp_server.messages) == 1


def test_a_row_another_worker_is_sending_is_left_alone(smtp_server):
    notification = send_reset_link()
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, claimed_at=timezone.now()
    )

    result = notification_deliver(notification_id=notification.pk)

    assert result.outcome == DeliveryOutcome.SKIPPED
    assert smtp_server.messages == []


def test_an_smtp_server_that_is_down_gets_the_email_after_the_retry_delay(smtp_server):
    notification = send_reset_link()
    smtp_server.stop()

    failed = notification_deliver(notification_id=notification.pk)

    assert failed.outcome == DeliveryOutcome.RETRY_SCHEDULED
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 1
    assert notification.next_attempt_at > timezone.now()
    assert notification.next_attempt_at == failed.next_attempt_at
    assert notification.last_error.startswith("ConnectionRefusedError")
    assert "one-time-token" not in notification.last_error
    # Not due yet: an early attempt does nothing, even with the server back.
    smtp_server.start()
    assert notification_deliver(notification_id=notification.pk).outcome == "skipped"
    assert smtp_server.messages == []

    with time_machine.travel(notification.next_attempt_at + dt.timedelta(seconds=1)):
        retried = deliver_notification.call(str(notification.pk))
        again = notifications_deliver_due()

    assert retried == "sent"
    assert again == {}
    assert len(smtp_server.messages) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2
    assert notification.last_error == ""


def test_a_failed_task_run_enqueues_itself_for_the_next_attempt(smtp_server):
    from django_tasks_db.models import DBTaskResult

    notification = send_reset_link()
    smtp_server.refuse_temporarily = True

    outcome = deliver_notification.call(str(notification.pk))

    assert outcome == "retry_scheduled"
    notification.refresh_from_db()
    (retry,) = DBTaskResult.objects.all()
    assert retry.args_kwargs["args"] == [str(notification.pk)]
    assert retry.run_after == notification.next_attempt_at
    assert notification.last_error.startswith("SMTPRecipientsRefused")


def test_retries_wait_twice_as_long_each_time(smtp_server):
    notification = send_reset_link()
    smtp_server.stop()
    delays = []

    for _ in range(3):
        notification.refresh_from_db()
        with time_machine.travel(notification.next_attempt_at, tick=False):
            result = notification_deliver(notification_id=notification.pk)
            delays.append(result.next_attempt_at - timezone.now())

    assert delays == [dt.timedelta(minutes=1), dt.timedelta(minutes=2), dt.timedelta(minutes=4)]


def test_delivery_gives_up_after_the_maximum_number_of_attempts(smtp_server, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = send_reset_link()
    smtp_server.refuse_temporarily = True
    outcomes = []

    for _ in range(4):
        notification.refresh_from_db()
        with time_machine.travel(notification.next_attempt_at + dt.timedelta(seconds=1)):
            outcomes.append(notification_deliver(notification_id=notification.pk).outcome)

    assert outcomes == ["retry_scheduled", "retry_scheduled", "failed", "skipped"]
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 3
    assert notification.sent_at is None
    assert smtp_server.messages == []


def test_the_default_sms_sender_writes_to_the_text_message_outbox(settings):
    settings.CLINIC_NAME = "Riverside Family Clinic"
    (notification,) = notification_send(
        kind=NotificationKind.SIGN_IN_CODE, phone="+15555550100", context={"code": "482913"}
    )

    result = notification_deliver(notification_id=notification.pk)

    assert result.outcome == DeliveryOutcome.SENT
    (sms,) = DeliveredSms.objects.all()
    assert sms.to_address == "+15555550100"
    assert sms.body.startswith("482913 is your Riverside Family Clinic sign-in code.")
    assert mail.outbox == []


class BrokenGateway:
    def send(self, *, to: str, body: str) -> None:
        raise RuntimeError(f"gateway rejected {body}")


def test_a_failing_sms_gateway_is_retried_and_its_error_never_holds_the_message(settings):
    settings.SMS_SENDER = f"{__name__}.BrokenGateway"
    (notification,) = notification_send(
        kind=NotificationKind.SIGN_IN_CODE, phone="+15555550100", context={"code": "482913"}
    )

    result = notification_deliver(notification_id=notification.pk)

    assert result.outcome == DeliveryOutcome.RETRY_SCHEDULED
    notification.refresh_from_db()
    assert notification.last_error == "RuntimeError: gateway rejected [message]"
    assert not DeliveredSms.objects.exists()


def test_the_sweep_delivers_rows_whose_task_was_lost(smtp_server):
    send_reset_link()
    send_reset_link()

    output = io.StringIO()
    call_command("deliver_notifications", stdout=output)

    assert len(smtp_server.messages) == 2
    assert output.getvalue().strip() == "Sent 2, will retry 0, gave up on 0."


def test_the_sweep_takes_back_a_row_a_dead_worker_left_sending(smtp_server):
    notification = send_reset_link()
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, claimed_at=timezone.now(), attempts=1
    )

    assert notifications_deliver_due() == {}
    with time_machine.travel(timezone.now() + SENDING_STALE_AFTER + dt.timedelta(seconds=5)):
        outcomes = notifications_deliver_due()

    assert outcomes == {DeliveryOutcome.SENT: 1}
    assert len(smtp_server.messages) == 1


def test_deliver_all_sends_every_pending_message_once():
    send_reset_link()
    notification_send(
        kind=NotificationKind.SIGN_IN_CODE, phone="+15555550100", context={"code": "482913"}
    )

    assert deliver_all() == 2
    assert deliver_all() == 0
    (email,) = mail.outbox
    assert email.subject == "Reset your password"
    assert email.to == ["alice@example.org"]
    assert DeliveredSms.objects.count() == 1


def test_the_sweep_gives_up_on_a_row_interrupted_too_many_times(smtp_server, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    notification = send_reset_link()
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, claimed_at=timezone.now(), attempts=2
    )

    with time_machine.travel(timezone.now() + SENDING_STALE_AFTER + dt.timedelta(seconds=5)):
        notifications_deliver_due()

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert smtp_server.messages == []


def test_a_sent_one_time_link_does_not_stay_in_the_outbox(smtp_server):
    with transaction.atomic():
        [row] = notification_send(
            kind=NotificationKind.PASSWORD_RESET,
            email="alice@example.org",
            context={"link": "https://portal.example.org/reset/abc"},
        )

    notification_deliver(notification_id=row.pk)

    assert "reset/abc" in smtp_server.messages[0].get_payload()
    row.refresh_from_db()
    assert "reset/abc" not in row.body
