"""The audit trail is append-only: the ORM refuses changes, and so does the database itself."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext

from lantern.audit.models import (
    ActorRole,
    AuditAction,
    AuditEvent,
    AuditOutcome,
    AuditTamperError,
)
from lantern.audit.services import audit_event_record

# What each engine raises when a trigger refuses a statement: SQLite's RAISE(ABORT) is a
# constraint failure (IntegrityError); PostgreSQL's RAISE EXCEPTION has SQLSTATE P0001, which
# psycopg reports as a ProgrammingError.
TRIGGER_REFUSAL = {"sqlite": IntegrityError, "postgresql": ProgrammingError}


@pytest.fixture
def event(alice):
    return audit_event_record(
        actor=alice,
        patient=alice.patient,
        role=ActorRole.SELF,
        action=AuditAction.VIEW,
        object_type="record",
    )


def _stored(event: AuditEvent) -> AuditEvent:
    return AuditEvent.objects.get(pk=event.pk)


def test_an_event_is_stored_as_recorded(event, alice):
    stored = _stored(event)
    assert stored.actor == alice
    assert stored.outcome == AuditOutcome.ALLOWED


# The ORM refuses.


def test_saving_an_existing_event_is_refused(event):
    event.object_type = "tampered"

    with pytest.raises(AuditTamperError):
        event.save()

    assert _stored(event).object_type == "record"


def test_saving_a_forged_copy_under_an_existing_id_never_issues_an_update(event):
    forged = AuditEvent(
        pk=event.pk,
        actor_role=ActorRole.SYSTEM,
        action=AuditAction.DELETE,
        outcome=AuditOutcome.ALLOWED,
        channel="system",
        object_type="tampered",
    )

    # The model forces an INSERT, which fails on the duplicate id; left to Django, the save
    # would be an UPDATE that only the database trigger stops.
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(IntegrityError),
        transaction.atomic(),
    ):
        forged.save()

    assert not [query for query in queries if query["sql"].lstrip().upper().startswith("UPDATE")]
    assert _stored(event).object_type == "record"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AuditTamperError):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_updating_events_through_a_queryset_is_refused(event):
    with pytest.raises(AuditTamperError):
        AuditEvent.objects.filter(pk=event.pk).update(object_type="tampered")

    with pytest.raises(AuditTamperError):
        AuditEvent.objects.update(object_type="tampered")

    assert _stored(event).object_type == "record"


def test_bulk_updating_events_is_refused(event):
    event.object_type = "tampered"

    # bulk_update runs in its own atomic block without a savepoint; the savepoint here keeps
    # the test's transaction usable after the refusal.
    with pytest.raises(AuditTamperError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["object_type"])

    assert _stored(event).object_type == "record"


def test_deleting_events_through_a_queryset_is_refused(event):
    with pytest.raises(AuditTamperError):
        AuditEvent.objects.filter(pk=event.pk).delete()

    with pytest.raises(AuditTamperError):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


# The database refuses, even when the ORM is bypassed.


def test_the_database_refuses_a_raw_update(event):
    assert AuditEvent._meta.db_table == "audit_auditevent"

    refusal = TRIGGER_REFUSAL[connection.vendor]

    # The savepoint lets the test's own transaction carry on after the refusal (PostgreSQL
    # aborts the whole transaction on an error otherwise).
    with (
        pytest.raises(refusal, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE audit_auditevent SET object_type = %s WHERE id = %s", ["tampered", event.pk]
        )

    assert _stored(event).object_type == "record"


def test_the_database_refuses_a_raw_delete_on_postgresql(event):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite has no DELETE trigger: Django's test flush empties tables with DELETE there "
            "(see audit migration 0002); the model refuses deletes on both engines."
        )

    with (
        pytest.raises(ProgrammingError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])

    assert AuditEvent.objects.filter(pk=event.pk).exists()
