"""A month before a child turns 12 or 18, the parent and the child's own account are told, once,
that what the parent sees changes on that day; the email names no one (issue 12, point 3)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from lantern.access.models import ProxyKind, ProxyStatus
from lantern.family.services import age_changes_announce
from lantern.notifications.models import Notification, NotificationKind
from lantern.testing.factories import PatientFactory, ProxyRelationshipFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 29)


def verified(**fields):
    return UserFactory(email_verified_at=timezone.now(), **fields)


def child_turning(age: int, *, in_days: int):
    birthday = TODAY + dt.timedelta(days=in_days)
    return PatientFactory(
        given_names="Rosa",
        family_name="Parent",
        birth_date=birthday.replace(year=birthday.year - age),
    )


def notices() -> list[Notification]:
    return list(Notification.objects.filter(kind=NotificationKind.FAMILY_ACCESS_CHANGING))


def test_the_parent_and_the_child_are_told_a_month_ahead_and_only_once():
    child = child_turning(12, in_days=30)
    teen = verified(username="rosa", email="rosa@example.org", patient=child)
    parent = verified(username="paula", email="paula@example.org")
    ProxyRelationshipFactory(proxy=parent, patient=child, kind=ProxyKind.PARENT)

    assert age_changes_announce(today=TODAY) == 2
    assert age_changes_announce(today=TODAY + dt.timedelta(days=1)) == 0

    sent = {notice.to_address: notice for notice in notices()}
    assert sorted(sent) == [parent.email, teen.email]
    for notice in sent.values():
        assert "On Dec 29, 2026" in notice.body
        for private in ("Rosa", "Parent", str(child.pk), str(child.birth_date.year)):
            assert private not in notice.body + notice.subject
    assert "/people/" in sent[parent.email].body
    assert "/account/family/" in sent[teen.email].body


@pytest.mark.parametrize(
    ("age", "in_days", "told"),
    [(12, 31, False), (12, 0, True), (18, 10, True), (13, 10, False), (18, -1, False)],
)
def test_only_the_12th_and_18th_birthdays_within_a_month_are_announced(age, in_days, told):
    parent = verified()
    ProxyRelationshipFactory(
        proxy=parent, patient=child_turning(age, in_days=in_days), kind=ProxyKind.PARENT
    )

    assert (age_changes_announce(today=TODAY) == 1) is told


def test_guardians_ended_relationships_and_unconfirmed_emails_are_not_told():
    child = child_turning(18, in_days=5)
    ProxyRelationshipFactory(proxy=verified(), patient=child, kind=ProxyKind.LEGAL_GUARDIAN)
    ProxyRelationshipFactory(
        proxy=verified(),
        patient=child_turning(12, in_days=5),
        kind=ProxyKind.PARENT,
        status=ProxyStatus.REVOKED,
        ended_at=timezone.now(),
    )
    ProxyRelationshipFactory(
        proxy=UserFactory(email_verified_at=None),
        patient=child_turning(12, in_days=6),
        kind=ProxyKind.PARENT,
    )

    assert age_changes_announce(today=TODAY) == 0


def test_the_command_queues_the_notices(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 29, 15, tzinfo=dt.UTC))
    ProxyRelationshipFactory(
        proxy=verified(), patient=child_turning(12, in_days=3), kind=ProxyKind.PARENT
    )
    output = io.StringIO()

    call_command("announce_family_access_changes", stdout=output)

    assert output.getvalue().strip() == "1 notice queued."
    assert len(notices()) == 1
