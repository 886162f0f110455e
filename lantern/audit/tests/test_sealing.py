"""Sealing chains committed audit events in batches, in id order, without holding up page views."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from lantern.audit.models import ActorRole, AuditAction, AuditEvent, AuditSeal
from lantern.audit.sealing import (
    GENESIS_HASH,
    SEALED_FIELDS,
    SEALING_LOCK_ID,
    audit_trail_seal,
    chain_hash,
    event_serialize,
    seal_key,
)
from lantern.audit.services import audit_event_record
from lantern.audit.tasks import seal_audit_trail

from .tampering import separate_session

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def record(user, *, object_id: str = "") -> AuditEvent:
    return audit_event_record(
        actor=user,
        patient=user.patient,
        role=ActorRole.SELF,
        action=AuditAction.VIEW,
        object_type="record",
        object_id=object_id,
    )


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_settled_events_are_chained_in_batches_in_id_order(alice, traveller):
    events = [record(alice, object_id=str(number)) for number in range(5)]
    traveller.shift(dt.timedelta(minutes=2))

    run = audit_trail_seal(batch_size=2)

    assert [seal.event_count for seal in run.seals] == [2, 2, 1]
    first, second, third = AuditSeal.objects.order_by("number")
    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert (first.first_event_id, first.last_event_id) == (events[0].pk, events[1].pk)
    assert (third.first_event_id, third.last_event_id) == (events[4].pk, events[4].pk)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.chain_hash
    assert third.previous_hash == second.chain_hash
    # The hash is the HMAC of the previous hash and each event's canonical form, in id order.
    rows = AuditEvent.objects.filter(pk__in=[events[0].pk, events[1].pk]).order_by("id")
    serialized = [event_serialize(row) for row in rows.values_list(*SEALED_FIELDS)]
    assert first.chain_hash == chain_hash(seal_key(), GENESIS_HASH, serialized)


def test_the_canonical_form_holds_every_field_with_the_time_in_utc(alice, traveller):
    event = record(alice, object_id="42")
    row = AuditEvent.objects.filter(pk=event.pk).values_list(*SEALED_FIELDS).get()

    serialized = event_serialize(row).decode()

    assert serialized.startswith('{"action":"view","actor_id":')
    assert '"occurred_at":"2026-03-02T09:00:00.000000+00:00"' in serialized
    assert f'"patient_id":"{alice.patient.pk}"' in serialized
    assert '"object_id":"42"' in serialized
    assert all(f'"{name}":' in serialized for name in SEALED_FIELDS)


def test_events_newer_than_the_settle_delay_wait_for_the_next_run(alice, traveller, settings):
    settings.AUDIT_SEAL_SETTLE_SECONDS = 60
    settled = record(alice)
    traveller.shift(dt.timedelta(seconds=61))
    recent = record(alice)

    (seal,) = audit_trail_seal().seals
    assert (seal.first_event_id, seal.last_event_id) == (settled.pk, settled.pk)

    traveller.shift(dt.timedelta(seconds=61))
    (later,) = audit_trail_seal().seals
    assert (later.number, later.first_event_id, later.event_count) == (2, recent.pk, 1)
    assert later.previous_hash == seal.chain_hash


def test_sealing_stops_at_a_recent_event_even_when_later_ids_are_older(alice, traveller):
    # A clock behind on one server, or an event stamped before a slow insert: the next id can
    # carry an older time. Sealing past the recent one could leave out a lower id that is
    # still uncommitted, so it stops there.
    sealed = record(alice)
    traveller.shift(dt.timedelta(minutes=5))
    recent = record(alice)
    AuditEvent.objects.create(
        occurred_at=START,
        actor_role=ActorRole.SYSTEM,
        action=AuditAction.VIEW,
        outcome="allowed",
        channel="system",
    )

    (seal,) = audit_trail_seal(settle=dt.timedelta(minutes=1)).seals

    assert seal.last_event_id == sealed.pk
    assert seal.last_event_id < recent.pk


def test_nothing_is_sealed_twice(alice, traveller):
    record(alice)
    traveller.shift(dt.timedelta(minutes=2))
    assert len(audit_trail_seal().seals) == 1

    assert audit_trail_seal().seals == []
    assert AuditSeal.objects.count() == 1


def test_the_command_seals_and_prints_the_head(alice, traveller, capsys):
    record(alice)
    record(alice)
    traveller.shift(dt.timedelta(minutes=2))

    call_command("seal_audit")

    seal = AuditSeal.objects.get()
    assert f"Sealed 2 events in 1 seals. Head: seal 1 {seal.chain_hash}" in capsys.readouterr().out
    call_command("seal_audit")
    assert "Nothing to seal." in capsys.readouterr().out


def test_the_task_seals_through_the_task_backend(alice, traveller, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    record(alice)
    traveller.shift(dt.timedelta(minutes=2))

    result = seal_audit_trail.enqueue()

    assert result.return_value == 1
    assert AuditSeal.objects.get().event_count == 1


def test_another_key_gives_another_chain(alice, traveller, settings):
    record(alice)
    traveller.shift(dt.timedelta(minutes=2))
    derived = seal_key()
    settings.AUDIT_SEAL_KEY = "a-key-kept-apart-from-the-secret-key"

    assert seal_key() == b"a-key-kept-apart-from-the-secret-key"
    assert seal_key() != derived
    (seal,) = audit_trail_seal().seals
    rows = AuditEvent.objects.order_by("id").values_list(*SEALED_FIELDS)
    serialized = [event_serialize(row) for row in rows]
    assert seal.chain_hash != chain_hash(derived, GENESIS_HASH, serialized)


def test_a_second_sealer_gives_up_at_once_and_page_views_still_write_on_postgresql(
    alice, traveller
):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite has no advisory locks: its IMMEDIATE transactions let one writer at a time, "
            "so two sealers run one after the other."
        )
    record(alice)
    traveller.shift(dt.timedelta(minutes=2))
    with separate_session() as other_sealer:
        other_sealer.execute("SELECT pg_advisory_lock(%s)", [SEALING_LOCK_ID])

        run = audit_trail_seal()
        # A page view writes its event while the lock is held elsewhere.
        during = record(alice)
        # Released here, not by closing the session: a closed session's backend lets its locks
        # go as it exits, after the client has moved on, and the next sealer could find it held.
        other_sealer.execute("SELECT pg_advisory_unlock(%s)", [SEALING_LOCK_ID])

    assert run.busy
    assert run.seals == []
    assert AuditEvent.objects.filter(pk=during.pk).exists()
    traveller.shift(dt.timedelta(minutes=2))
    assert audit_trail_seal().event_count == 2
