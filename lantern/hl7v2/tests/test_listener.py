"""The listener over a real socket, as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import hl7
import pytest

from lantern.testing.factories import PatientFactory

from .conftest import END_BLOCK, MANAGE, START_BLOCK, ListenerProcess, MLLPClient
from .messages import oru, unsupported

pytestmark = pytest.mark.django_db(transaction=True)

OBSERVATIONS = "SELECT COUNT(*) FROM clinical_observation"


@pytest.fixture
def known_patient(clinic):
    """The patient MRN-1 of the clinic, whom the test ORUs are about."""
    return PatientFactory(mrn="MRN-1", managing_organization=clinic)


def msa(ack: bytes, codec: str = "ascii") -> tuple[str, str, str]:
    parsed = hl7.parse(ack.decode(codec))
    segment = parsed.segment("MSA")
    reason = str(segment(3)) if len(segment) > 3 else ""
    return str(segment(1)), str(segment(2)), reason


def test_port_zero_is_refused_with_a_clear_error() -> None:
    result = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        [sys.executable, str(MANAGE), "hl7_listen", "--port", "0"],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=60,
    )

    assert result.returncode != 0
    assert "--port 0" in result.stderr


def test_a_message_of_an_unsupported_type_is_answered_ar_over_mllp(listener) -> None:
    listener.database.share()
    listener.start()
    client = listener.client()

    ack = client.exchange(unsupported("MFN-7").encode())

    code, control_id, reason = msa(ack)
    assert (code, control_id) == ("AR", "MFN-7")
    assert reason == "message type not supported"
    assert "ERR|" in ack.decode()
    assert listener.database.rows(
        "SELECT status, ack_code FROM hl7v2_inboundmessage WHERE control_id = 'MFN-7'"
    ) == [("rejected", "AR")]


def test_the_connection_stays_open_for_message_after_message(listener) -> None:
    listener.database.share()
    listener.start()
    client = listener.client()

    answers = [msa(client.exchange(unsupported(f"KEEP-{n}").encode()))[1] for n in range(5)]

    assert answers == [f"KEEP-{n}" for n in range(5)]


def test_an_idle_connection_is_closed_after_the_timeout(listener) -> None:
    listener.database.share()
    listener.start("--idle-timeout", "0.3")
    client = listener.client()
    client.exchange(unsupported("IDLE-1").encode())

    time.sleep(0.8)

    assert client.socket.recv(10) == b""


def test_a_resend_on_a_new_connection_gets_the_same_ack(listener) -> None:
    listener.database.share()
    listener.start()

    first = listener.client().exchange(unsupported("AGAIN").encode())
    second = listener.client().exchange(unsupported("AGAIN").encode())

    assert first == second
    assert listener.database.rows(
        "SELECT COUNT(*) FROM hl7v2_inboundmessage WHERE control_id = 'AGAIN'"
    ) == [(1,)]


@pytest.mark.parametrize("separator", ["\r", "\n", "\r\n"], ids=["CR", "LF", "CRLF"])
def test_segments_split_by_cr_lf_or_crlf_are_read(listener, known_patient, separator: str) -> None:
    listener.database.share()
    listener.start()
    raw = oru("SEP").replace("\r", separator).encode()

    code, control_id, _ = msa(listener.client().exchange(raw))

    assert (code, control_id) == ("AA", "SEP")
    stored = listener.database.rows("SELECT raw, message_type FROM hl7v2_inboundmessage")
    assert [(bytes(raw_), kind) for raw_, kind in stored] == [(raw, "ORU")]
    assert listener.database.rows(OBSERVATIONS) == [(1,)]


def test_a_byte_order_mark_is_skipped(listener, known_patient) -> None:
    listener.database.share()
    listener.start()

    ack = listener.client().exchange(b"\xef\xbb\xbf" + oru("BOM").encode())

    assert msa(ack)[:2] == ("AA", "BOM")
    assert listener.database.rows(OBSERVATIONS) == [(1,)]


@pytest.mark.parametrize(
    ("character_set", "codec"),
    [("8859/1", "latin-1"), ("UNICODE UTF-8", "utf-8")],
)
def test_a_message_is_read_and_answered_in_the_character_set_of_msh18(
    listener, known_patient, character_set: str, codec: str
) -> None:
    listener.database.share()
    listener.start()
    # The receiving facility comes back as the ACK's sending facility (MSH-4); the note is
    # stored with the result.
    raw = oru("CS-1", receiving_facility="CLINIQUE DU LAC ÉTÉ", character_set=character_set)
    raw += "NTE|1||Résultat vérifié à 8 h\r"

    ack = listener.client().exchange(raw.encode(codec))

    parsed = hl7.parse(ack.decode(codec))
    assert str(parsed.segment("MSH")(4)) == "CLINIQUE DU LAC ÉTÉ"
    assert str(parsed.segment("MSH")(18)) == character_set
    assert (str(parsed.segment("MSA")(1)), str(parsed.segment("MSA")(2))) == ("AA", "CS-1")
    assert listener.database.rows("SELECT note FROM clinical_observation") == [
        ("Résultat vérifié à 8 h",)
    ]


def test_bytes_that_are_not_utf8_without_msh18_are_answered_ar(listener) -> None:
    listener.database.share()
    listener.start()
    raw = oru("CS-2", receiving_facility="CLINIQUE ÉTÉ").encode("latin-1")

    code, control_id, reason = msa(listener.client().exchange(raw), "latin-1")

    assert (code, control_id) == ("AR", "CS-2")
    assert "MSH-18" in reason


def test_a_thousand_messages_are_all_acknowledged_and_stored_once_across_a_crash(
    listener, known_patient
) -> None:
    """The sender resends every message it has no ACK for; the listener is killed (-9) halfway,
    with a message in flight, and started again."""
    listener.database.share()
    listener.start()
    messages = [oru(f"BATCH-{n:04d}").encode() for n in range(1000)]
    acks: dict[int, tuple[str, str]] = {}
    client = listener.client()
    for n in range(500):
        acks[n] = msa(client.exchange(messages[n]))[:2]
    # Message 500 goes out; the listener dies before (or while) answering it.
    client.send(messages[500])
    listener.kill()
    client.close()

    listener.start()
    client: MLLPClient = listener.client()
    for n in range(500, 1000):
        acks[n] = msa(client.exchange(messages[n]))[:2]

    assert [acks[n] for n in range(1000)] == [("AA", f"BATCH-{n:04d}") for n in range(1000)]
    rows = listener.database.rows(
        "SELECT COUNT(*), COUNT(DISTINCT control_id) FROM hl7v2_inboundmessage"
    )
    assert rows == [(1000, 1000)]
    assert listener.database.rows(
        "SELECT COUNT(*) FROM hl7v2_inboundmessage WHERE status <> 'processed'"
    ) == [(0,)]
    # Each message is one report with one result: none applied twice.
    assert listener.database.rows(OBSERVATIONS) == [(1000,)]
    assert listener.database.rows("SELECT COUNT(*) FROM clinical_diagnosticreport") == [(1000,)]


def test_pipelined_messages_each_get_their_own_ack_in_order(listener, known_patient) -> None:
    """A sender that writes many messages without waiting (they are stored and committed in
    groups) gets one ACK per message, in the order sent, each with that message's outcome."""
    listener.database.share()
    listener.start()
    raws = [(oru(f"PIPE-{n}") if n % 3 else unsupported(f"PIPE-{n}")).encode() for n in range(60)]
    raws.append(oru("PIPE-1").encode())  # a copy of an earlier one
    client = listener.client()

    client.socket.sendall(b"".join(START_BLOCK + raw + END_BLOCK for raw in raws))
    acks = [msa(client.read_ack())[:2] for _ in raws]

    expected = [("AA" if n % 3 else "AR", f"PIPE-{n}") for n in range(60)] + [("AA", "PIPE-1")]
    assert acks == expected
    assert listener.database.rows("SELECT COUNT(*) FROM hl7v2_inboundmessage") == [(60,)]
    assert listener.database.rows(OBSERVATIONS) == [(40,)]


def test_the_same_messages_sent_to_two_listeners_at_once_are_stored_and_applied_once(
    listener_database, known_patient, tmp_path
) -> None:
    """Two listener processes on one database (say, an old one still draining while a new one
    starts) get every message at the same moment: the database's unique constraint decides
    which stores it, and both answer with the same ACK."""
    listener_database.share()
    first = ListenerProcess(listener_database, tmp_path).start()
    second = ListenerProcess(listener_database, tmp_path).start()
    try:
        clients = [first.client(), second.client()]
        messages = [oru(f"RACE-{n}").encode() for n in range(30)]
        answers: list[list[bytes]] = [[], []]
        start = threading.Barrier(2)

        def send(index: int) -> None:
            for raw in messages:
                start.wait()
                answers[index].append(clients[index].exchange_as_a_sender_does(raw))

        threads = [threading.Thread(target=send, args=(index,)) for index in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        first.stop()
        second.stop()

    assert answers[0] == answers[1]
    assert {msa(ack)[0] for ack in answers[0]} == {"AA"}
    assert listener_database.rows("SELECT COUNT(*) FROM hl7v2_inboundmessage") == [(30,)]
    assert listener_database.rows(OBSERVATIONS) == [(30,)]
