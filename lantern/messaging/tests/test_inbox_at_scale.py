"""The inbox's counts read the conversations in the states they count, not all the clinic's.

A clinic's answered conversations pile up for years, while those waiting for a reply, unread or
marked done by staff are few at a time. The inbox counts each state up to a limit
(`inbox.COUNTED_UP_TO`); a count that finds fewer than that must not walk every conversation to
say so. Partial indexes hold the conversations in each of these states (messaging/models.py).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lantern.access import policy
from lantern.clinical.models import Patient
from lantern.messaging import inbox
from lantern.messaging.models import AuthorRole, Conversation, ConversationStatus
from lantern.testing.factories import PatientFactory
from lantern.testing.factories_messaging import ConversationFactory, MessagePoolFactory
from lantern.testing.query_plans import rows_read, rows_read_by_subquery

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="rows read are counted by PostgreSQL's EXPLAIN"
    ),
]

TABLES = ("messaging_conversation", "clinical_patient")
# The states that hold few of a clinic's conversations at a time. ("Unassigned" and "all" hold
# most of them: their counts stop at the limit.)
RARE_STATES = ("waiting", "unread", "assigned", "done")


def answered_conversations_add(clinic, pool, author, count: int) -> None:
    """`count` patients, each with a conversation the clinic answered and read long ago."""
    patients = Patient.objects.bulk_create(
        PatientFactory.build_batch(count, managing_organization=clinic)
    )
    answered = timezone.now() - dt.timedelta(days=400)
    Conversation.objects.bulk_create(
        Conversation(
            patient=patient,
            organization=clinic,
            pool=pool,
            subject="A question",
            created_by=author,
            submission_id=uuid.uuid4(),
            last_message_at=answered,
            last_message_role=AuthorRole.STAFF,
            clinic_read_at=answered,
            status=ConversationStatus.CLOSED,
        )
        for patient in patients
    )
    with connection.cursor() as cursor:
        # Statistics as autovacuum keeps them on a live database.
        cursor.execute("ANALYZE messaging_conversation")
        cursor.execute("ANALYZE clinical_patient")


def rare_state_counts_rows_read(user, state: str) -> dict[str, int]:
    """The rows each count of the states few conversations are in reads: the count of each
    queue in the chosen state, and the count of each rare state in the queue "all"."""
    pools = inbox.inbox_pools(user)
    staff = policy.staff_access(user)
    with CaptureQueriesContext(connection) as captured:
        inbox.inbox_counts(user, queue="all", state=state, pools=pools, staff=staff)
    queue_totals, state_totals = (query["sql"] for query in captured.captured_queries)
    by_state = dict(zip(inbox.STATES, rows_read_by_subquery(state_totals, TABLES), strict=True))
    return {
        f"{state} in each queue": rows_read(queue_totals, TABLES),
        **{key: by_state[key] for key in RARE_STATES},
    }


@pytest.fixture
def busy_clinic(clinic, alice, nora, monkeypatch):
    """One conversation waiting and unread, one marked done, among many answered ones."""
    monkeypatch.setattr(inbox, "COUNTED_UP_TO", 20)
    pool = MessagePoolFactory(organization=clinic, name="Nursing")
    ConversationFactory(patient=alice.patient, pool=pool, created_by=alice)
    ConversationFactory(
        patient=alice.patient,
        pool=pool,
        created_by=alice,
        last_message_role=AuthorRole.STAFF,
        clinic_read_at=timezone.now(),
        waiting_since=None,
        done_at=timezone.now(),
        done_by=nora,
    )
    return clinic, pool


@pytest.mark.parametrize("state", ["waiting", "unread", "done"])
def test_the_counts_read_as_many_rows_with_ten_times_the_answered_conversations(
    busy_clinic, nora, state
):
    clinic, pool = busy_clinic
    answered_conversations_add(clinic, pool, nora, 200)
    few = rare_state_counts_rows_read(nora, state)

    answered_conversations_add(clinic, pool, nora, 1800)
    more = rare_state_counts_rows_read(nora, state)

    assert more == few
    counts = inbox.inbox_counts(nora, queue="all", state=state, pools=inbox.inbox_pools(nora))
    assert {item.key: item.words for item in counts.states} == {
        "waiting": "1",
        "unread": "1",
        "assigned": "0",
        "unassigned": "20+",
        "done": "1",
        "all": "20+",
    }
