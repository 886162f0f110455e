"""notification_send: rows written in the caller's transaction, delivery enqueued on commit."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django_tasks_db.models import DBTaskResult

from lantern.notifications.models import (
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
)
from lantern.notifications.services import absolute_url, notification_send

pytestmark = pytest.mark.django_db


def test_sending_to_an_email_address_writes_one_pending_email_row():
    (notification,) = notification_send(
        kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org"
    )

    notification.refresh_from_db()
    assert notification.channel == NotificationChannel.EMAIL
    assert notification.to_address == "alice@example.org"
    assert notification.status == NotificationStatus.PENDING
    assert notification.subject == "Your password was changed"
    assert "password for your patient portal account was just changed" in notification.body
    assert notification.attempts == 0


def test_sending_to_email_and_phone_writes_one_row_for_each_channel():
    notifications = notification_send(
        kind=NotificationKind.SIGN_IN_CODE,
        email="alice@example.org",
        phone="+15555550100",
        context={"code": "482913"},
    )

    assert {(n.channel, n.to_address) for n in notifications} == {
        (NotificationChannel.EMAIL, "alice@example.org"),
        (NotificationChannel.SMS, "+15555550100"),
    }
    assert all("482913" in n.body for n in notifications)


def test_sending_to_a_phone_only_writes_no_email():
    notification_send(
        kind=NotificationKind.SIGN_IN_CODE, phone="+15555550100", context={"code": "1"}
    )

    assert not Notification.objects.filter(channel=NotificationChannel.EMAIL).exists()
    assert Notification.objects.filter(channel=NotificationChannel.SMS).count() == 1


def test_a_kind_given_by_its_value_is_accepted():
    (notification,) = notification_send(kind="contact_changed", email="alice@example.org")

    assert notification.kind == NotificationKind.CONTACT_CHANGED


def test_sending_without_the_context_the_kind_needs_is_refused():
    with pytest.raises(ValueError, match="link"):
        notification_send(kind=NotificationKind.PASSWORD_RESET, email="alice@example.org")

    assert not Notification.objects.exists()


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        notification_send(kind="lab_result_details", email="alice@example.org")


def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    class Undo(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Undo),
        transaction.atomic(),
    ):
        notification_send(kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org")
        raise Undo

    assert callbacks == []
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_delivery_is_enqueued_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (notification,) = notification_send(
            kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org"
        )
        assert not DBTaskResult.objects.exists()

    assert len(callbacks) == 1
    callbacks[0]()
    (task_result,) = DBTaskResult.objects.all()
    assert task_result.task_path == "lantern.notifications.tasks.deliver_notification"
    assert task_result.args_kwargs["args"] == [str(notification.pk)]


def test_a_used_dedupe_key_sends_nothing_more(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_send(
            kind=NotificationKind.SIGN_IN_CODE,
            email="alice@example.org",
            phone="+15555550100",
            context={"code": "111111"},
            dedupe_key="sign-in-code:42",
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = notification_send(
            kind=NotificationKind.SIGN_IN_CODE,
            email="alice@example.org",
            context={"code": "111111"},
            dedupe_key="sign-in-code:42",
        )

    assert len(first) == 2
    assert second == []
    assert callbacks == []
    assert Notification.objects.filter(dedupe_key="sign-in-code:42").count() == 2
    assert DBTaskResult.objects.count() == 2


def test_the_database_refuses_a_second_email_for_one_dedupe_key():
    notification_send(
        kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org", dedupe_key="event-1"
    )
    duplicate = Notification(
        kind=NotificationKind.PASSWORD_CHANGED,
        channel=NotificationChannel.EMAIL,
        to_address="alice@example.org",
        subject="x",
        body="x",
        dedupe_key="event-1",
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save(force_insert=True)


def test_different_dedupe_keys_each_send():
    notification_send(
        kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org", dedupe_key="a"
    )
    notification_send(
        kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org", dedupe_key="b"
    )
    notification_send(kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org")
    notification_send(kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org")

    assert Notification.objects.count() == 4


def test_the_database_refuses_an_unknown_status():
    (notification,) = notification_send(
        kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(status="lost")


def test_the_database_refuses_a_sent_row_without_a_sent_time():
    (notification,) = notification_send(
        kind=NotificationKind.PASSWORD_CHANGED, email="alice@example.org"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(status=NotificationStatus.SENT)


def test_absolute_urls_start_with_the_public_base_url(settings):
    settings.PUBLIC_BASE_URL = "https://portal.example.org/"

    assert absolute_url("/account/reset/abc/") == "https://portal.example.org/account/reset/abc/"
    assert absolute_url("security-tips/") == "https://portal.example.org/security-tips/"
