"""On PostgreSQL the web app's role may only read and append to the audit tables."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.db import ProgrammingError, connection, transaction

from lantern.accounts.models import User
from lantern.audit.models import ActorRole, AuditAction, AuditEvent, AuditSeal
from lantern.audit.services import audit_event_record

from .tampering import execute

PERMISSION_DENIED = "permission denied"


@pytest.fixture
def app_role(db) -> Iterator[str]:
    """A role of the web app's kind, granted by the command, and this session switched to it.

    CREATE ROLE and the grants are part of the test's transaction and roll back with it.
    """
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no roles or grants: its file's permissions are the only guard.")
    name = f"lantern_test_app_{os.getpid()}"
    execute(f'CREATE ROLE "{name}" NOLOGIN')
    call_command("grant_app_role", name)
    execute(f'SET LOCAL ROLE "{name}"')
    yield name
    execute("RESET ROLE")


@pytest.fixture
def event(alice):
    return audit_event_record(
        actor=alice, patient=alice.patient, role=ActorRole.SELF, action=AuditAction.VIEW
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET outcome = 'denied'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "UPDATE audit_auditseal SET event_count = 0",
        "DELETE FROM audit_auditseal",
        "TRUNCATE audit_auditseal",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER USER",
    ],
)
def test_the_app_role_cannot_change_or_empty_the_audit_tables(event, app_role, statement):
    with pytest.raises(ProgrammingError) as refused, transaction.atomic():
        execute(statement)

    # Refused by the grants (or ownership), before any trigger is reached.
    assert PERMISSION_DENIED in str(refused.value) or "must be owner" in str(refused.value)
    assert AuditEvent.objects.filter(pk=event.pk, outcome="allowed").exists()


def test_the_app_role_appends_and_reads_the_audit_trail(alice, app_role):
    event = audit_event_record(
        actor=alice, patient=alice.patient, role=ActorRole.SELF, action=AuditAction.VIEW
    )

    assert AuditEvent.objects.get(pk=event.pk).actor == alice
    assert AuditSeal.objects.count() == 0


def test_the_app_role_writes_the_other_tables(alice, app_role):
    alice.first_name = "Alicia"
    alice.save(update_fields=["first_name"])
    execute("DELETE FROM django_session")

    assert User.objects.get(pk=alice.pk).first_name == "Alicia"


def test_the_app_role_cannot_rewrite_the_migration_history(app_role):
    with pytest.raises(ProgrammingError, match=PERMISSION_DENIED), transaction.atomic():
        execute("DELETE FROM django_migrations WHERE app = 'audit'")


def test_granting_needs_postgresql_and_an_existing_role_that_is_not_a_superuser(db):
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="grant_app_role is for PostgreSQL"):
            call_command("grant_app_role", "lantern_app")
        return
    with pytest.raises(CommandError, match="no PostgreSQL role named"):
        call_command("grant_app_role", "lantern_no_such_role")
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", "postgres")
