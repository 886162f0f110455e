"""The database refuses changes to seals, and TRUNCATE of either audit table on PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from lantern.audit.models import ActorRole, AuditAction, AuditEvent, AuditSeal
from lantern.audit.sealing import GENESIS_HASH
from lantern.audit.services import audit_event_record

from .tampering import execute, separate_session

# SQLite's RAISE(ABORT) is an IntegrityError; PostgreSQL's RAISE EXCEPTION a ProgrammingError.
TRIGGER_REFUSAL = {"sqlite": IntegrityError, "postgresql": ProgrammingError}


def only_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite has no TRUNCATE statement and keeps DELETE for Django's test flush "
            "(audit migration 0002); UPDATE is refused there too."
        )


@pytest.fixture
def seal(db):
    return AuditSeal.objects.create(
        number=1,
        first_event_id=1,
        last_event_id=1,
        event_count=1,
        previous_hash=GENESIS_HASH,
        chain_hash="a" * 64,
    )


def test_the_database_refuses_a_raw_update_of_a_seal(seal):
    with (
        pytest.raises(TRIGGER_REFUSAL[connection.vendor], match="append-only"),
        transaction.atomic(),
    ):
        execute("UPDATE audit_auditseal SET chain_hash = %s WHERE id = %s", ["b" * 64, seal.pk])

    assert AuditSeal.objects.get(pk=seal.pk).chain_hash == "a" * 64


def test_the_database_refuses_a_raw_delete_of_a_seal_on_postgresql(seal):
    only_on_postgresql()

    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        execute("DELETE FROM audit_auditseal WHERE id = %s", [seal.pk])

    assert AuditSeal.objects.filter(pk=seal.pk).exists()


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_auditseal"])
def test_truncating_an_audit_table_is_refused_on_postgresql(table, alice, seal):
    only_on_postgresql()
    event = audit_event_record(
        actor=alice, patient=alice.patient, role=ActorRole.SELF, action=AuditAction.VIEW
    )

    # The test suite's connections allow TRUNCATE for Django's flush; an ordinary session
    # does not have the setting at all, and 'off' is refused just the same.
    with pytest.raises(ProgrammingError, match="TRUNCATE refused"), transaction.atomic():
        # TRUNCATE waits for no deferred foreign-key check of the rows just written.
        execute("SET CONSTRAINTS ALL IMMEDIATE")
        execute("SET LOCAL lantern.allow_audit_truncate = 'off'")
        execute(f"TRUNCATE {connection.ops.quote_name(table)}")

    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert AuditSeal.objects.filter(pk=seal.pk).exists()


def test_a_session_without_the_setting_cannot_truncate_on_postgresql(db):
    only_on_postgresql()

    with (
        separate_session() as session,
        pytest.raises(psycopg.errors.RaiseException, match="TRUNCATE refused"),
    ):
        session.execute("TRUNCATE audit_auditevent, audit_auditseal")


@pytest.mark.django_db(transaction=True)
def test_the_test_flush_may_empty_the_audit_tables(alice):
    # Django empties every table between transactional tests, with TRUNCATE on PostgreSQL;
    # lantern/testing/environment.py lets these connections do it, and only these.
    audit_event_record(
        actor=alice, patient=alice.patient, role=ActorRole.SELF, action=AuditAction.VIEW
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW lantern.allow_audit_truncate")
            assert cursor.fetchone()[0] == "on"
    assert AuditEvent.objects.exists()
