"""One durable commit per message, or per group of pipelined messages, with each message's own
outcome and ACK kept exactly (services.message_receive, services.messages_receive)."""

from __future__ import annotations

import hl7
import pytest
from django.db import connection

from lantern.clinical.models import Observation, Organization
from lantern.hl7v2 import services
from lantern.hl7v2.handlers import process as real_process
from lantern.hl7v2.models import InboundMessage, MessageStatus
from lantern.hl7v2.services import INTERNAL_ERROR, message_receive, messages_receive

from .messages import oru, unsupported


def msa(ack: bytes) -> tuple[str, str]:
    segment = hl7.parse(ack.decode("latin-1")).segment("MSA")
    return str(segment(1)), str(segment(2))


@pytest.fixture
def commits(monkeypatch) -> list[int]:
    """Counts the transactions committed (the database connection's own commit, wrapped)."""
    counted: list[int] = []
    commit = connection._commit

    def counting() -> None:
        counted.append(1)
        commit()

    monkeypatch.setattr(connection, "_commit", counting)
    return counted


@pytest.mark.django_db(transaction=True)
def test_a_message_is_stored_and_processed_in_one_commit(alice, commits) -> None:
    received = message_receive(raw=oru(mrn=alice.patient.mrn).encode())

    assert msa(received.ack) == ("AA", "CTRL-1")
    assert len(commits) == 1
    row = InboundMessage.objects.get()
    assert (row.status, bytes(row.raw)) == (
        MessageStatus.PROCESSED,
        oru(mrn=alice.patient.mrn).encode(),
    )


@pytest.mark.django_db(transaction=True)
def test_a_group_of_messages_is_committed_once(alice, commits) -> None:
    raws = [oru(f"G-{n}", mrn=alice.patient.mrn).encode() for n in range(5)]

    batch = messages_receive(raws)

    assert batch.error is None
    assert [msa(received.ack) for received in batch.received] == [
        ("AA", f"G-{n}") for n in range(5)
    ]
    assert len(commits) == 1
    assert InboundMessage.objects.filter(status=MessageStatus.PROCESSED).count() == 5
    assert Observation.objects.count() == 5


@pytest.mark.django_db
def test_a_failing_handler_in_a_group_keeps_its_message_and_answers_ae(monkeypatch, alice) -> None:
    def fail_on_b(message, *, header, patient=None):
        if header.control_id == "B":
            Organization.objects.create(name="Half written")
            raise RuntimeError("bug")
        return real_process(message, header=header, patient=patient)

    monkeypatch.setattr(services, "process", fail_on_b)
    raws = [oru(control_id, mrn=alice.patient.mrn).encode() for control_id in "ABC"]

    batch = messages_receive(raws)

    assert batch.error is None
    assert [msa(received.ack) for received in batch.received] == [
        ("AA", "A"),
        ("AE", "B"),
        ("AA", "C"),
    ]
    assert not Organization.objects.filter(name="Half written").exists()
    rows = {row.control_id: row for row in InboundMessage.objects.all()}
    assert (rows["B"].status, rows["B"].reason) == (MessageStatus.ERROR, INTERNAL_ERROR)
    assert bytes(rows["B"].raw) == raws[1]
    # B's result was not written; A's and C's were.
    assert Observation.objects.count() == 2


@pytest.mark.django_db
def test_each_message_of_a_group_gets_its_own_outcome_and_a_copy_gets_the_first_ack(
    alice,
) -> None:
    raws = [
        oru("ONE", mrn=alice.patient.mrn).encode(),
        unsupported("TWO").encode(),
        oru("THREE", mrn="NOBODY").encode(),
        oru("ONE", mrn=alice.patient.mrn).encode(),
    ]

    batch = messages_receive(raws)

    assert [msa(received.ack) for received in batch.received] == [
        ("AA", "ONE"),
        ("AR", "TWO"),
        ("AE", "THREE"),
        ("AA", "ONE"),
    ]
    assert batch.received[3].ack == batch.received[0].ack
    assert [received.duplicate for received in batch.received] == [False, False, False, True]
    assert InboundMessage.objects.count() == 3
    assert Observation.objects.count() == 1


@pytest.mark.django_db
def test_a_group_that_fails_is_received_again_one_message_at_a_time(monkeypatch, alice) -> None:
    apply = services._apply
    failed: list[str] = []

    def fail_once_outside_the_handler(row, **kwargs):
        # A fault outside the handlers' savepoint (as a deadlock would be) spoils the group's
        # transaction once.
        if row.control_id == "B" and not failed:
            failed.append("B")
            raise RuntimeError("the shared transaction failed")
        return apply(row, **kwargs)

    monkeypatch.setattr(services, "_apply", fail_once_outside_the_handler)
    raws = [oru(control_id, mrn=alice.patient.mrn).encode() for control_id in "ABC"]

    batch = messages_receive(raws)

    assert batch.error is None
    assert [msa(received.ack) for received in batch.received] == [
        ("AA", "A"),
        ("AA", "B"),
        ("AA", "C"),
    ]
    assert InboundMessage.objects.count() == 3
    assert Observation.objects.count() == 3


@pytest.mark.django_db
def test_messages_after_one_that_cannot_be_stored_are_not_answered(monkeypatch, alice) -> None:
    apply = services._apply

    def always_fail_on_b(row, **kwargs):
        if row.control_id == "B":
            raise RuntimeError("the database went away")
        return apply(row, **kwargs)

    monkeypatch.setattr(services, "_apply", always_fail_on_b)
    raws = [oru(control_id, mrn=alice.patient.mrn).encode() for control_id in "ABC"]

    batch = messages_receive(raws)

    assert [msa(received.ack) for received in batch.received] == [("AA", "A")]
    assert isinstance(batch.error, RuntimeError)
    # A is kept (committed before B was tried); B's raw bytes went with its transaction, so
    # its sender, having no ACK, sends it again; C was not taken.
    assert list(InboundMessage.objects.values_list("control_id", flat=True)) == ["A"]


def test_the_listener_takes_the_blocks_already_sent_as_one_group() -> None:
    import asyncio
    import concurrent.futures

    from hl7.mllp import HL7StreamReader

    from lantern.hl7v2.listener import Listener

    async def read() -> tuple[list[bytes], list[bytes]]:
        reader = HL7StreamReader()
        # Three whole blocks and the start of a fourth have come in.
        reader.feed_data(b"".join(b"\x0b" + f"M{n}".encode() + b"\x1c\r" for n in range(3)))
        reader.feed_data(b"\x0bM3")
        listener = Listener(host="127.0.0.1", port=2575, idle_timeout=5, workers=1)
        first = await listener._read_group(reader, "peer")
        reader.feed_data(b"\x1c\r")
        second = await listener._read_group(reader, "peer")
        return first, second

    # In a thread of its own: a browser test earlier in this worker may leave an event loop
    # running in the main thread, where asyncio.run refuses to start another.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        first, second = pool.submit(asyncio.run, read()).result()

    assert first == [b"M0", b"M1", b"M2"]
    assert second == [b"M3"]
