"""Notification settings per account and event, and the notices they let through."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from lantern.notifications.models import (
    DeliveredSms,
    Notification,
    NotificationChannel,
    NotificationEvent,
    NotificationKind,
    NotificationPreference,
)
from lantern.notifications.preferences import (
    EVENT_NOTICES,
    ChannelChoice,
    accounts_to_notify,
    confirmed_mobile_number,
    notify_patient_accounts,
    preference_for,
    preferences_for,
    preferences_set,
)
from lantern.notifications.testing import deliver_all
from lantern.testing.factories import UserFactory
from lantern.testing.factories_mfa import SmsDeviceFactory

pytestmark = pytest.mark.django_db

NEW_MESSAGE = NotificationEvent.NEW_MESSAGE
ALICE_MOBILE = "+15555550123"


@pytest.fixture
def alice_confirmed(alice):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    return alice


@pytest.fixture
def alice_with_mobile(alice_confirmed):
    alice_confirmed.phone = ALICE_MOBILE
    alice_confirmed.save(update_fields=["phone"])
    SmsDeviceFactory(user=alice_confirmed, phone=ALICE_MOBILE)
    return alice_confirmed


def notify_alice(alice, key: str = "new-message:1") -> list[Notification]:
    return notify_patient_accounts(patient=alice.patient, event=NEW_MESSAGE, dedupe_key=key)


def test_every_event_has_a_notice_kind_and_a_default():
    assert set(EVENT_NOTICES) == set(NotificationEvent)
    assert EVENT_NOTICES[NEW_MESSAGE].kind == NotificationKind.NEW_MESSAGE


def test_an_account_that_saved_nothing_gets_email_and_no_text_message(alice_with_mobile):
    assert preference_for(alice_with_mobile, NEW_MESSAGE) == ChannelChoice(email=True, sms=False)

    (notification,) = notify_alice(alice_with_mobile)

    assert notification.kind == NotificationKind.NEW_MESSAGE
    assert notification.channel == NotificationChannel.EMAIL
    assert notification.to_address == "alice@example.org"
    assert notification.subject == f"You have a new message from {settings.CLINIC_NAME}"


def test_email_turned_off_sends_nothing(alice_confirmed):
    preferences_set(alice_confirmed, {NEW_MESSAGE: (False, False)})

    assert notify_alice(alice_confirmed) == []
    assert not Notification.objects.exists()


def test_text_messages_turned_on_with_a_confirmed_mobile_are_delivered_as_text(
    alice_with_mobile, settings
):
    settings.PUBLIC_BASE_URL = "https://portal.example.org"
    preferences_set(alice_with_mobile, {NEW_MESSAGE: (False, True)})

    (notification,) = notify_alice(alice_with_mobile)
    delivered = deliver_all()

    assert notification.channel == NotificationChannel.SMS
    assert delivered == 1
    (sms,) = DeliveredSms.objects.all()
    assert sms.to_address == ALICE_MOBILE
    assert sms.body.strip().endswith(
        "You have a new message. Sign in to read it: https://portal.example.org/messages/"
    )


def test_email_and_text_both_on_write_one_row_per_channel(alice_with_mobile):
    preferences_set(alice_with_mobile, {NEW_MESSAGE: (True, True)})

    notifications = notify_alice(alice_with_mobile)

    assert {(n.channel, n.to_address) for n in notifications} == {
        (NotificationChannel.EMAIL, "alice@example.org"),
        (NotificationChannel.SMS, ALICE_MOBILE),
    }


def test_an_unconfirmed_email_address_gets_no_email(alice):
    assert alice.email and not alice.has_verified_email

    assert notify_alice(alice) == []
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "device",
    [
        None,
        {"phone": ALICE_MOBILE, "confirmed": False},
        {"phone": "+15555550999", "confirmed": True},
    ],
    ids=["no text-message method", "method not confirmed", "method for another number"],
)
def test_a_mobile_number_not_proven_by_a_text_code_gets_no_text_message(alice_confirmed, device):
    alice_confirmed.phone = ALICE_MOBILE
    alice_confirmed.save(update_fields=["phone"])
    if device is not None:
        SmsDeviceFactory(user=alice_confirmed, **device)
    preferences_set(alice_confirmed, {NEW_MESSAGE: (False, True)})

    assert confirmed_mobile_number(alice_confirmed) == ""
    assert notify_alice(alice_confirmed) == []


def test_the_same_event_twice_sends_one_notification(alice_confirmed):
    first = notify_alice(alice_confirmed, key="new-message:42")
    second = notify_alice(alice_confirmed, key="new-message:42")

    assert len(first) == 1
    assert second == []
    assert Notification.objects.count() == 1
    assert deliver_all() == 1
    assert deliver_all() == 0


def test_turning_on_text_messages_does_not_resend_an_event_already_announced(alice_with_mobile):
    notify_alice(alice_with_mobile, key="new-message:42")
    preferences_set(alice_with_mobile, {NEW_MESSAGE: (True, True)})

    assert notify_alice(alice_with_mobile, key="new-message:42") == []
    assert len(notify_alice(alice_with_mobile, key="new-message:43")) == 2


def test_the_notice_says_nothing_about_the_patient_or_the_message(alice_with_mobile):
    preferences_set(alice_with_mobile, {NEW_MESSAGE: (True, True)})

    notifications = notify_alice(alice_with_mobile)

    for notification in notifications:
        text = f"{notification.subject}\n{notification.body}"
        for revealing in ("Alice", "Adams", "alice", alice_with_mobile.patient.mrn):
            assert revealing not in text.replace(notification.to_address, "")
        assert "Sign in to read it" in text
        assert "/messages/" in text


def test_only_the_patients_own_active_accounts_are_notified(alice_confirmed, charlie, nora):
    charlie.email_verified_at = timezone.now()
    charlie.save(update_fields=["email_verified_at"])

    notifications = notify_alice(alice_confirmed)

    assert list(accounts_to_notify(alice_confirmed.patient)) == [alice_confirmed]
    assert [n.to_address for n in notifications] == ["alice@example.org"]


def test_a_deactivated_account_is_not_notified(alice_confirmed):
    alice_confirmed.is_active = False
    alice_confirmed.save(update_fields=["is_active"])

    assert notify_alice(alice_confirmed) == []


def test_notices_follow_the_callers_transaction(
    alice_confirmed, django_capture_on_commit_callbacks
):
    class Undo(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(Undo),
        transaction.atomic(),
    ):
        assert len(notify_alice(alice_confirmed)) == 1
        raise Undo

    assert callbacks == []
    assert not Notification.objects.exists()


def test_each_account_is_keyed_separately_under_the_event_key(alice_confirmed):
    (notification,) = notify_alice(alice_confirmed, key="new-message:7")

    assert notification.dedupe_key == f"new-message:7:{alice_confirmed.pk}"


def test_saving_settings_updates_the_one_row_per_event(alice):
    preferences_set(alice, {NEW_MESSAGE: (False, True)})
    preferences_set(alice, {NEW_MESSAGE: ChannelChoice(email=True, sms=True)})

    (row,) = NotificationPreference.objects.filter(user=alice)
    assert (row.event, row.email, row.sms) == (NEW_MESSAGE, True, True)
    assert preferences_for(alice)[NEW_MESSAGE] == ChannelChoice(email=True, sms=True)


def test_one_accounts_settings_do_not_change_anothers(alice, charlie):
    preferences_set(charlie, {NEW_MESSAGE: (False, False)})

    assert preference_for(alice, NEW_MESSAGE) == ChannelChoice(email=True, sms=False)


def test_the_database_refuses_an_unknown_event_and_a_second_row_for_one_event(alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(
            user=alice, event="lab_details", email=True, sms=False
        )
    NotificationPreference.objects.create(user=alice, event=NEW_MESSAGE, email=True, sms=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(user=alice, event=NEW_MESSAGE, email=False, sms=False)


def test_notifying_takes_the_same_number_of_queries_whatever_the_settings(
    alice_with_mobile, django_assert_num_queries
):
    # Unrelated accounts with settings and text-message methods must not add queries.
    for _ in range(5):
        other = UserFactory(phone=ALICE_MOBILE)
        SmsDeviceFactory(user=other, phone=ALICE_MOBILE)
        preferences_set(other, {NEW_MESSAGE: (True, True)})
    preferences_set(alice_with_mobile, {NEW_MESSAGE: (False, True)})

    # The patient's accounts, the proxies who may see the event, their settings, their
    # text-message methods; then per channel sent: the dedupe check, a savepoint around the
    # insert (savepoint, insert, release).
    with django_assert_num_queries(8):
        notify_alice(alice_with_mobile, key="new-message:1")
