"""Back-loading HL7 v2 messages from files (`manage.py hl7_import`).

A file holds one message, several one after another, or a batch (FHS/BHS ... BTS/FTS). It is
decoded once (the character set is read from its first header segment, FHS, BHS or MSH), split
into messages by python-hl7 (`hl7.split_file`, which drops the batch envelope), and each message
goes through `services.message_receive`, as if it had arrived on the listener: stored, processed
and answered once, so importing a file twice duplicates nothing.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from pathlib import Path

import hl7

from lantern.core.context import RequestContext, request_context
from lantern.hl7v2.models import MessageSource
from lantern.hl7v2.services import message_receive
from lantern.hl7v2.wire import UnreadableMessage, codec_for, decode

OUTCOMES = ("accepted", "error", "rejected", "duplicate")
_OUTCOME_OF_CODE = {"AA": "accepted", "AE": "error", "AR": "rejected"}


@dataclasses.dataclass(frozen=True)
class Failure:
    """A message that was not applied (or a file that could not be read)."""

    path: Path
    index: int  # 1-based position of the message in its file; 0 for the whole file
    control_id: str
    ack_code: str
    reason: str

    def describe(self) -> str:
        if self.index == 0:
            return f"{self.path}: {self.reason}"
        control_id = f", control id {self.control_id}" if self.control_id else ""
        return f"{self.path}, message {self.index}{control_id}: {self.ack_code} {self.reason}"


@dataclasses.dataclass
class ImportReport:
    files: int = 0
    messages: int = 0
    # Per message type ("ORU^R01"): how many of each outcome.
    types: dict[str, Counter] = dataclasses.field(default_factory=lambda: defaultdict(Counter))
    failed: list[Failure] = dataclasses.field(default_factory=list)

    def as_table(self) -> str:
        width = max([len("Message type"), *(len(name) for name in self.types)])
        header = f"{'Message type':<{width}}  " + "  ".join(f"{o.title():>9}" for o in OUTCOMES)
        lines = [header, "-" * len(header)]
        for name in sorted(self.types):
            counts = self.types[name]
            lines.append(f"{name:<{width}}  " + "  ".join(f"{counts[o]:>9}" for o in OUTCOMES))
        lines.append(f"Files: {self.files}, messages: {self.messages}, failed: {len(self.failed)}")
        return "\n".join(lines)

    def as_json(self) -> dict:
        return {
            "files": self.files,
            "messages": self.messages,
            "types": {
                name: {o: counts[o] for o in OUTCOMES} for name, counts in self.types.items()
            },
            "failed": [failure.describe() for failure in self.failed],
        }


def messages_in_file(raw: bytes) -> list[bytes]:
    """The bytes of each message in a file, in the file's own character set."""
    text = decode(raw)
    header = text.lstrip()[:3]
    character_set = ""
    if header in ("MSH", "FHS", "BHS"):
        fields = text.split("\r", 1)[0].split(text.lstrip()[3:4] or "|")
        character_set = fields[17] if len(fields) > 17 else ""
    codec = "utf-8" if raw.startswith(b"\xef\xbb\xbf") and not character_set else None
    codec = codec or codec_for(character_set.split("~")[0].split("^")[0])
    return [message.encode(codec) for message in hl7.split_file(text)]


def import_files(paths: list[Path]) -> ImportReport:
    report = ImportReport()
    token = request_context.set(RequestContext(channel="import"))
    try:
        for path in paths:
            report.files += 1
            _import_file(path, report)
    finally:
        request_context.reset(token)
    return report


def _import_file(path: Path, report: ImportReport) -> None:
    try:
        messages = messages_in_file(path.read_bytes())
    except (UnreadableMessage, OSError) as error:
        reason = error.reason if isinstance(error, UnreadableMessage) else error.strerror
        report.failed.append(Failure(path, 0, "", "", f"cannot be read: {reason}"))
        return
    if not messages:
        report.failed.append(Failure(path, 0, "", "", "holds no HL7 v2 message (no MSH)"))
        return
    for index, raw in enumerate(messages, start=1):
        report.messages += 1
        received = message_receive(raw=raw, source=MessageSource.FILE)
        row = received.message
        kind = f"{row.message_type or '?'}^{row.trigger_event or '?'}"
        outcome = "duplicate" if received.duplicate else _OUTCOME_OF_CODE[row.ack_code]
        report.types[kind][outcome] += 1
        if row.ack_code != "AA":
            report.failed.append(Failure(path, index, row.control_id, row.ack_code, row.reason))
