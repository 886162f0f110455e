"""`manage.py verify_audit` recomputes the chain and fails on any edit, deletion or gap.

Each attack is made the way someone with the database owner's rights would: the append-only
triggers switched off (PostgreSQL) or dropped (SQLite), then plain SQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command

from lantern.audit.models import ActorRole, AuditAction, AuditEvent, AuditSeal
from lantern.audit.sealing import audit_trail_seal, audit_trail_verify
from lantern.audit.services import audit_event_record

from .tampering import execute, triggers_off

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
EVENTS = "audit_auditevent"
SEALS = "audit_auditseal"


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sealed(alice, traveller):
    """Six events in three seals of two."""
    events = [
        audit_event_record(
            actor=alice,
            patient=alice.patient,
            role=ActorRole.SELF,
            action=AuditAction.VIEW,
            object_type="Observation",
            object_id=str(number),
        )
        for number in range(6)
    ]
    traveller.shift(dt.timedelta(minutes=2))
    audit_trail_seal(batch_size=2)
    return events


def failures(capsys, *args: str) -> str:
    with pytest.raises(CommandError, match="failed verification"):
        call_command("verify_audit", *args)
    return capsys.readouterr().err


def test_an_intact_trail_verifies_and_prints_the_head_hash(sealed, capsys):
    call_command("verify_audit")

    head = AuditSeal.objects.get(number=3)
    out = capsys.readouterr().out
    assert "Audit trail verified: 3 seals over 6 events" in out
    assert f"Head: seal 3 {head.chain_hash}" in out


def test_an_event_changed_behind_the_triggers_fails_naming_seal_and_event(sealed, capsys):
    changed = sealed[3]
    with triggers_off(EVENTS):
        execute("UPDATE audit_auditevent SET outcome = 'denied' WHERE id = %s", [changed.pk])

    assert f"Seal 2: event {changed.pk} was changed." in failures(capsys)


def test_an_event_deleted_behind_the_triggers_fails_naming_seal_and_event(sealed, capsys):
    deleted = sealed[4]
    with triggers_off(EVENTS):
        execute("DELETE FROM audit_auditevent WHERE id = %s", [deleted.pk])

    err = failures(capsys)
    assert f"Seal 3: event {deleted.pk} was deleted." in err
    assert "Seal 3 sealed 2 events; its range now holds 1." in err


def test_an_event_inserted_inside_a_sealed_range_fails(alice, traveller, capsys):
    fields = {
        "actor_role": ActorRole.SYSTEM,
        "action": AuditAction.VIEW,
        "outcome": "allowed",
        "channel": "system",
    }
    first = AuditEvent.objects.create(**fields)
    # An id left free inside the range, as a rolled-back transaction leaves one.
    AuditEvent.objects.create(pk=first.pk + 10, **fields)
    traveller.shift(dt.timedelta(minutes=2))
    (seal,) = audit_trail_seal().seals
    assert (seal.first_event_id, seal.last_event_id, seal.event_count) == (
        first.pk,
        first.pk + 10,
        2,
    )

    AuditEvent.objects.create(pk=first.pk + 5, **fields)

    assert f"Seal 1: event {first.pk + 5} was added after sealing." in failures(capsys)


def test_an_event_slipped_in_before_a_seals_range_is_in_no_seal(alice, traveller, capsys):
    fields = {
        "actor_role": ActorRole.SYSTEM,
        "action": AuditAction.VIEW,
        "outcome": "allowed",
        "channel": "system",
    }
    first = AuditEvent.objects.create(pk=10_000_000, **fields)
    traveller.shift(dt.timedelta(minutes=2))
    audit_trail_seal()

    AuditEvent.objects.create(pk=first.pk - 1, **fields)

    assert f"Event {first.pk - 1} is in no seal" in failures(capsys)


def test_a_deleted_seal_leaves_a_gap_that_fails(sealed, capsys):
    with triggers_off(SEALS):
        execute("DELETE FROM audit_auditseal WHERE number = 2")

    err = failures(capsys)
    assert "Seal 2 is missing (deleted)." in err
    assert "Seal 3 does not follow on from seal 1's hash." in err
    # Seal 2's events now belong to no seal.
    assert f"Event {sealed[2].pk} is in no seal" in err


def test_a_changed_seal_fails(sealed, capsys):
    with triggers_off(SEALS):
        execute(
            "UPDATE audit_auditseal SET event_count = 1, chain_hash = %s WHERE number = 1",
            ["0" * 64],
        )

    err = failures(capsys)
    assert "Seal 1 sealed 1 events; its range now holds 2." in err
    assert "Seal 1's hash does not match its events: the seal was changed." in err
    assert "Seal 2 does not follow on from seal 1's hash." in err


def test_a_chain_rebuilt_without_the_key_fails(sealed, capsys, settings):
    # Someone changes an event and re-seals everything with a key of their own.
    with triggers_off(EVENTS):
        execute("UPDATE audit_auditevent SET outcome = 'denied' WHERE id = %s", [sealed[0].pk])
    with triggers_off(SEALS):
        execute("DELETE FROM audit_auditseal")
    settings.AUDIT_SEAL_KEY = "the-attackers-guess"
    audit_trail_seal(batch_size=2)
    settings.AUDIT_SEAL_KEY = ""

    err = failures(capsys)
    assert f"Seal 1: event {sealed[0].pk} was changed." in err
    assert f"Seal 1: event {sealed[1].pk} was changed." in err


def test_events_left_unsealed_for_a_day_fail(sealed, alice, traveller, capsys):
    audit_event_record(
        actor=alice, patient=alice.patient, role=ActorRole.SELF, action=AuditAction.VIEW
    )
    call_command("verify_audit")
    assert "1 newer events not sealed yet." in capsys.readouterr().out

    traveller.shift(dt.timedelta(hours=25))

    assert "events after the last seal are not sealed" in failures(capsys)


def test_removing_the_last_seal_and_its_events_fails_against_the_recorded_head(sealed, capsys):
    head = AuditSeal.objects.get(number=3).chain_hash
    with triggers_off(SEALS):
        execute("DELETE FROM audit_auditseal WHERE number = 3")
    with triggers_off(EVENTS):
        execute("DELETE FROM audit_auditevent WHERE id >= %s", [sealed[4].pk])

    # The shorter chain is consistent in itself; the head kept elsewhere shows what is gone.
    assert audit_trail_verify().ok
    assert f"The recorded hash {head} is not in the chain" in failures(capsys, "--expect", head)


def test_a_recorded_head_still_in_the_chain_passes(sealed, alice, traveller):
    head = AuditSeal.objects.get(number=3).chain_hash
    audit_event_record(
        actor=alice, patient=alice.patient, role=ActorRole.SELF, action=AuditAction.VIEW
    )
    traveller.shift(dt.timedelta(minutes=2))
    audit_trail_seal()

    call_command("verify_audit", "--expect", head)


def test_a_chain_longer_than_one_read_verifies(alice, traveller):
    # More seals than verify_audit reads at once, so it reads in chunks while it checks events.
    fields = {
        "actor_role": ActorRole.SYSTEM,
        "action": AuditAction.VIEW,
        "outcome": "allowed",
        "channel": "system",
    }
    AuditEvent.objects.bulk_create([AuditEvent(**fields) for _ in range(450)])
    traveller.shift(dt.timedelta(minutes=2))
    audit_trail_seal(batch_size=2)

    report = audit_trail_verify()

    assert report.ok, report.problems
    assert (report.seal_count, report.event_count) == (225, 450)
