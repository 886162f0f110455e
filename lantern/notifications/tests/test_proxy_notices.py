"""A patient's notices reach the people acting for them whose access opens that part of the
record, each by their own settings, with a link that names no one (issue 12, point 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lantern.access.models import ProxyKind, ProxyPermission, ProxyStatus
from lantern.notifications.models import NotificationEvent
from lantern.notifications.preferences import notify_patient_accounts, preferences_set
from lantern.testing.factories import ProxyRelationshipFactory, UserFactory

pytestmark = pytest.mark.django_db


def confirmed(user):
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


def proxy(alice, username: str, **fields):
    account = confirmed(UserFactory(username=username, email=f"{username}@example.org"))
    ProxyRelationshipFactory(proxy=account, patient=alice.patient, **fields)
    return account


def test_a_new_message_reaches_the_patient_and_the_proxies_who_may_read_messages(alice, bob):
    confirmed(alice)
    confirmed(bob)  # bob may see the record and results, not messages
    proxy(alice, "pat", permissions=int(ProxyPermission.MESSAGES))
    proxy(alice, "quinn", status=ProxyStatus.REVOKED, ended_at=timezone.now())
    proxy(alice, "ray", ends_on=timezone.localdate() - dt.timedelta(days=1))
    quiet = proxy(alice, "sam")
    preferences_set(quiet, {NotificationEvent.NEW_MESSAGE: (False, False)})

    notices = notify_patient_accounts(
        patient=alice.patient, event=NotificationEvent.NEW_MESSAGE, dedupe_key="new-message:1"
    )

    by_address = {notice.to_address: notice.body for notice in notices}
    assert sorted(by_address) == ["alice@example.org", "pat@example.org"]
    assert "/messages/" in by_address["alice@example.org"]
    # The proxy's link leads to the people they care for: no patient named, no id.
    assert "/people/" in by_address["pat@example.org"]
    assert str(alice.patient_id) not in by_address["pat@example.org"]
    assert "Alice" not in by_address["pat@example.org"]


def test_a_parent_of_a_teenager_is_not_told_of_their_messages(alice):
    confirmed(alice)
    alice.patient.birth_date = timezone.localdate().replace(year=timezone.localdate().year - 14)
    alice.patient.save(update_fields=["birth_date"])
    proxy(alice, "parent", kind=ProxyKind.PARENT)

    notices = notify_patient_accounts(
        patient=alice.patient, event=NotificationEvent.NEW_MESSAGE, dedupe_key="new-message:2"
    )

    assert [notice.to_address for notice in notices] == ["alice@example.org"]
