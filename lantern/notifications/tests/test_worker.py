"""The task enqueued on commit really runs through the django_tasks_db worker."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from lantern.notifications.models import Notification, NotificationKind, NotificationStatus
from lantern.notifications.services import notification_send
from lantern.notifications.testing import run_worker_until_idle


@pytest.mark.django_db(transaction=True)
def test_a_committed_notification_is_delivered_by_the_task_worker(smtp_server):
    with transaction.atomic():
        (notification,) = notification_send(
            kind=NotificationKind.USERNAME_REMINDER,
            email="alice@example.org",
            context={"username": "alice"},
        )
        assert not DBTaskResult.objects.exists()

    run_worker_until_idle()

    (message,) = smtp_server.messages
    assert message["Subject"] == "Your username"
    assert "alice" in message.get_content()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    (task_result,) = DBTaskResult.objects.all()
    assert task_result.status == "SUCCESSFUL"
    assert task_result.return_value == "sent"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_notification_gives_the_worker_nothing_to_do(smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org")
        raise RuntimeError("the change failed")

    run_worker_until_idle()

    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_retries_when_the_mail_server_is_back(smtp_server):
    smtp_server.stop()
    with transaction.atomic():
        (notification,) = notification_send(
            kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org"
        )

    run_worker_until_idle()

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 1
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after == notification.next_attempt_at
    smtp_server.start()
    # The retry waits for its time.
    run_worker_until_idle()
    assert smtp_server.messages == []

    with time_machine.travel(notification.next_attempt_at + dt.timedelta(seconds=1)):
        run_worker_until_idle()

    assert len(smtp_server.messages) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2
