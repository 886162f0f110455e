from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lantern.hl7v2 import services
from lantern.hl7v2.contract import AckCode, Outcome
from lantern.hl7v2.models import InboundMessage, MessageSource, MessageStatus

from .messages import oru, unsupported

pytestmark = pytest.mark.django_db


@pytest.fixture
def accept_oru(monkeypatch):
    """Handlers that accept ORU and reject the rest (the transport's view of them)."""

    def process(message, *, header, patient=None) -> Outcome:
        if header.message_type == "ORU":
            return Outcome(AckCode.ACCEPTED)
        return Outcome(AckCode.REJECTED, "message type not supported")

    monkeypatch.setattr(services, "process", process)


def run(*paths: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("hl7_import", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_file_of_several_messages_is_stored_message_by_message(tmp_path, accept_oru) -> None:
    path = tmp_path / "results.hl7"
    path.write_bytes("".join(oru(f"F-{n}") for n in range(3)).replace("\r", "\n").encode())

    out, _ = run(path)

    rows = InboundMessage.objects.order_by("control_id")
    assert [(row.control_id, row.status, row.source) for row in rows] == [
        (f"F-{n}", MessageStatus.PROCESSED, MessageSource.FILE) for n in range(3)
    ]
    assert bytes(rows[0].raw) == oru("F-0").encode()
    assert "ORU^R01" in out
    assert "Files: 1, messages: 3, failed: 0" in out


def test_a_batch_file_is_unwrapped_into_its_messages(tmp_path, accept_oru) -> None:
    path = tmp_path / "batch.hl7"
    path.write_bytes(
        (
            "FHS|^~\\&|LAB|CLINIC LAB|LANTERN|CLINIC|20260101120000\r"
            "BHS|^~\\&|LAB|CLINIC LAB|LANTERN|CLINIC|20260101120000\r"
            + oru("B-1")
            + oru("B-2")
            + "BTS|2\rFTS|1\r"
        ).encode()
    )

    out, _ = run(path)

    assert sorted(InboundMessage.objects.values_list("control_id", flat=True)) == ["B-1", "B-2"]
    assert "Files: 1, messages: 2, failed: 0" in out


def test_importing_a_file_again_duplicates_nothing(tmp_path, accept_oru) -> None:
    path = tmp_path / "results.hl7"
    path.write_bytes((oru("D-1") + oru("D-2")).encode())
    run(path)

    out, _ = run(path)

    assert InboundMessage.objects.count() == 2
    assert "Duplicate" in out
    assert out.splitlines()[2].split()[-1] == "2"


def test_a_message_not_accepted_fails_the_import_naming_file_and_message(
    tmp_path, accept_oru
) -> None:
    good, bad = tmp_path / "good.hl7", tmp_path / "bad.hl7"
    good.write_bytes(oru("G-1").encode())
    bad.write_bytes((oru("G-2") + unsupported("MFN-9")).encode())
    err = StringIO()

    with pytest.raises(CommandError, match="1 of 3 messages"):
        call_command("hl7_import", str(good), str(bad), stdout=StringIO(), stderr=err)

    assert f"{bad}, message 2, control id MFN-9: AR message type not supported" in err.getvalue()
    assert InboundMessage.objects.count() == 3


def test_a_file_without_messages_fails_naming_the_file(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are not HL7 messages\n")
    err = StringIO()

    with pytest.raises(CommandError, match=r"^1 of 1 files could not be read\.$"):
        call_command("hl7_import", str(path), stdout=StringIO(), stderr=err)

    assert str(path) in err.getvalue()


def test_files_that_cannot_be_read_are_counted_apart_from_messages(tmp_path, accept_oru) -> None:
    good, unreadable = tmp_path / "good.hl7", tmp_path / "notes.txt"
    good.write_bytes((oru("G-1") + unsupported("MFN-9")).encode())
    unreadable.write_bytes(b"these are not HL7 messages\n")

    with pytest.raises(CommandError) as raised:
        call_command("hl7_import", str(good), str(unreadable), stdout=StringIO(), stderr=StringIO())

    assert str(raised.value) == (
        "1 of 2 messages were not accepted; 1 of 2 files could not be read."
    )


def test_a_missing_file_is_named() -> None:
    with pytest.raises(CommandError, match=r"No such file: nowhere\.hl7"):
        call_command("hl7_import", "nowhere.hl7", stdout=StringIO())
