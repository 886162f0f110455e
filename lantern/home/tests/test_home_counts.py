"""The home page's counts (new results, unread replies, refill requests waiting) in one query."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lantern.access.policy import patient_access
from lantern.home.selectors import home_counts
from lantern.messaging.models import AuthorRole
from lantern.refills.tests.factories import PharmacyFactory, medication, request_refill
from lantern.results.models import ResultSeen
from lantern.results.release import release_shape
from lantern.testing.factories_messaging import ConversationFactory

from .builders import make_report

pytestmark = pytest.mark.django_db


def replied(patient, *, read: bool) -> None:
    """A conversation the care team answered last; read by the patient or not."""
    now = timezone.now()
    ConversationFactory(
        patient=patient,
        last_message_role=AuthorRole.STAFF,
        last_message_at=now,
        waiting_since=None,
        patient_read_at=now if read else None,
    )


def test_the_home_counts_are_one_query_of_what_each_app_counts(
    alice, charlie, clinic, django_assert_num_queries
):
    opened = make_report(alice.patient, display="Lipid panel")
    make_report(alice.patient, display="Glucose", days_ago=2)
    make_report(alice.patient, display="Thyroid", days_ago=3)
    make_report(charlie.patient, display="Charlie's")
    ResultSeen.objects.create(user=alice, report=opened, seen_at=timezone.now())
    replied(alice.patient, read=False)
    replied(alice.patient, read=True)
    replied(charlie.patient, read=False)
    pharmacy = PharmacyFactory(organization=clinic)
    request_refill(alice, medication(alice.patient), pharmacy)
    request_refill(charlie, medication(charlie.patient), pharmacy)
    access = patient_access(alice, alice.patient.pk, audit=False)
    # The clinic's release delays are read once a page (the results list needs them too).
    release_shape(access)

    with django_assert_num_queries(1):
        counts = home_counts(access=access)

    assert (counts.new_results, counts.unread_messages, counts.pending_refills) == (2, 1, 1)
