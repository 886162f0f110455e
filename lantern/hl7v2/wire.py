"""HL7 v2 on the wire: bytes to text, the header, the parsed message and the acknowledgement.

Everything that touches raw input goes through here, for the listener and the file import alike:

* `decode` turns the bytes of one message into text, choosing the codec from MSH-18 (read from
  the bytes before decoding) and normalising the line breaks between segments to CR;
* `read_header` reads the MSH fields the transport needs (deduplication, routing, the ACK);
* `parse` hands the text to python-hl7 (no parser of our own);
* `build_ack` answers a message in original acknowledgement mode, with MSA-3 and ERR on errors.

Unreadable input raises `UnreadableMessage` with a reason fit for MSA-3 (no health information).
"""

from __future__ import annotations

import codecs
import re

import hl7
from django.conf import settings

from lantern.hl7v2.contract import AckCode, MessageHeader

__all__ = [
    "UnreadableMessage",
    "build_ack",
    "codec_for",
    "decode",
    "encode",
    "parse",
    "read_header",
]


class UnreadableMessage(Exception):
    """The input cannot be read as an HL7 v2 message; `reason` says why, without PHI."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# MSH-18 values (HL7 table 0211) and the Python codec that reads them. Keys are upper case with
# surrounding spaces removed; "" is a message that names no character set.
_CODECS: dict[str, str] = {
    "ASCII": "ascii",
    "8859/1": "latin-1",
    "8859/15": "iso8859-15",
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",
}

_UTF8_BOM = codecs.BOM_UTF8
# Segments that can open a message, a batch or a file.
_HEADER_SEGMENTS = (b"MSH", b"BHS", b"FHS")


def codec_for(character_set: str) -> str:
    """The Python codec for an MSH-18 value; an empty value is the configured default (UTF-8)."""
    key = character_set.strip().upper() or settings.HL7V2_DEFAULT_CHARACTER_SET.strip().upper()
    try:
        return _CODECS[key]
    except KeyError:
        raise UnreadableMessage(f"character set {character_set!r} is not supported") from None


def _character_set_in_bytes(raw: bytes) -> str:
    """MSH-18 (or FHS-18/BHS-18) as sent, read from the bytes of the first header segment.

    The separators and the characters that name a character set are ASCII in every encoding
    HL7 v2 allows here, so the header can be read before the codec is known.
    """
    start = min(
        (index for index in (raw.find(name) for name in _HEADER_SEGMENTS) if index >= 0),
        default=-1,
    )
    if start < 0 or len(raw) < start + 4:
        return ""
    end = len(raw)
    for terminator in (b"\r", b"\n"):
        found = raw.find(terminator, start)
        if found >= 0:
            end = min(end, found)
    segment = raw[start:end]
    fields = segment.split(segment[3:4])
    # fields[0] is the segment name and fields[1] MSH-2, so MSH-n is fields[n - 1].
    if len(fields) < 18:
        return ""
    encoding_characters = fields[1]
    repetition = encoding_characters[1:2] or b"~"
    component = encoding_characters[0:1] or b"^"
    # MSH-18 may repeat (alternate character sets); the first repetition is the default one.
    first = fields[17].split(repetition)[0].split(component)[0]
    return first.decode("ascii", "replace")


def _segment_break(field_separator: str) -> re.Pattern[str]:
    # A line break counts as a segment break only when a segment name and the field separator
    # follow it (or the text ends): a line break inside NTE or OBX text stays as sent.
    return re.compile(r"(?:\r\n|\r|\n)+(?=[A-Z][A-Z0-9]{2}" + re.escape(field_separator) + r"|\Z)")


def normalise_segments(text: str) -> str:
    """CR, LF or CRLF between segments become CR; nothing inside a segment changes."""
    text = text.lstrip("\r\n")
    field_separator = text[3:4] if text[:3] in ("MSH", "BHS", "FHS") else "|"
    normalised = _segment_break(field_separator or "|").sub("\r", text)
    return normalised if normalised.endswith("\r") else normalised + "\r"


def decode(raw: bytes) -> str:
    """The text of one message (or batch file): BOM removed, MSH-18 honoured, segments split by CR.

    A UTF-8 byte-order mark on a message that names no character set means UTF-8. Raises
    `UnreadableMessage` when the bytes are not in the character set the message declares.
    """
    has_bom = raw.startswith(_UTF8_BOM)
    if has_bom:
        raw = raw[len(_UTF8_BOM) :]
    character_set = _character_set_in_bytes(raw)
    codec = "utf-8" if has_bom and not character_set else codec_for(character_set)
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        declared = character_set or f"{settings.HL7V2_DEFAULT_CHARACTER_SET} (no MSH-18)"
        raise UnreadableMessage(
            f"the message has bytes that are not {declared}; declare its character set in MSH-18"
        ) from None
    return normalise_segments(text)


def encode(text: str, character_set: str) -> bytes:
    """Text to bytes in the character set of the message it answers (for the ACK)."""
    try:
        codec = codec_for(character_set)
    except UnreadableMessage:
        codec = "ascii"
    return text.encode(codec, "replace")


def _msh_fields(text: str) -> list[str]:
    for segment in text.split("\r"):
        segment = segment.lstrip()
        if segment.startswith("MSH") and len(segment) > 3:
            return ["MSH", segment[3], *segment[4:].split(segment[3])]
    raise UnreadableMessage("there is no MSH segment")


def _component(value: str, component_separator: str, index: int = 0) -> str:
    parts = value.split(component_separator)
    return parts[index] if index < len(parts) else ""


def read_header(text: str) -> MessageHeader:
    """The MSH fields the transport needs; raises `UnreadableMessage` without MSH or MSH-10."""
    fields = _msh_fields(text)

    def field(number: int) -> str:
        return fields[number] if number < len(fields) else ""

    encoding_characters = field(2)
    component = encoding_characters[0:1] or "^"
    repetition = encoding_characters[1:2] or "~"
    control_id = field(10).strip()
    if not control_id:
        raise UnreadableMessage("MSH-10 (message control id) is empty")
    message_type = field(9)
    return MessageHeader(
        # MSH-3 and MSH-4 are kept as sent (all components), so two senders that share a
        # namespace but differ in their universal id stay apart.
        sending_application=field(3),
        sending_facility=field(4),
        control_id=control_id,
        message_type=_component(message_type, component, 0).strip().upper(),
        trigger_event=_component(message_type, component, 1).strip().upper(),
        version=_component(field(12), component, 0).strip(),
        character_set=field(18).split(repetition)[0].split(component)[0].strip(),
    )


def parse(text: str) -> hl7.Message:
    """The message parsed by python-hl7; raises `UnreadableMessage` when it cannot be parsed."""
    try:
        return hl7.parse(text)
    except (hl7.ParseException, ValueError, IndexError) as error:
        raise UnreadableMessage("the message cannot be parsed as HL7 v2") from error


def _plain_header(message: hl7.Message) -> hl7.Message:
    fields = _msh_fields(str(message))

    def field(number: int) -> str:
        return fields[number] if number < len(fields) else ""

    numbers = (3, 4, 5, 6, 7, 8)
    text = "MSH|^~\\&|" + "|".join(field(n) if "|" not in field(n) else "" for n in numbers)
    return hl7.parse(f"{text}|ACK^^ACK|{field(10)}|{field(11) or 'P'}|{field(12) or '2.5'}\r")


# HL7 table 0357 (message error condition codes) for the ERR segment.
_ERROR_CODES: dict[AckCode, tuple[str, str]] = {
    AckCode.ERROR: ("207", "Application internal error"),
    AckCode.REJECTED: ("200", "Unsupported message type"),
}


def build_ack(
    message: hl7.Message,
    code: AckCode,
    reason: str = "",
    error_location: str = "",
    *,
    error_code: tuple[str, str] | None = None,
) -> str:
    """The ACK for `message` (original mode): python-hl7's `create_ack`, MSA-3 and ERR on errors.

    `error_location` is ERR-2 ("PID^1^3"); `error_code` overrides the HL7 table 0357 code in
    ERR-3 (the default is 207 for AE and 200 for AR). MSH-18 is copied from the message so the
    ACK is sent in the character set the sender uses.
    """
    try:
        ack = message.create_ack(ack_code=str(code))
    except (TypeError, IndexError, KeyError):
        # MSH-9 without components (or MSH cut short): answer from a header rebuilt from the
        # message's own MSH fields, so even a malformed message gets its ACK.
        ack = _plain_header(message).create_ack(ack_code=str(code))
    msh = ack.segment("MSH")
    character_set = str(message.segment("MSH")(18)) if len(message.segment("MSH")) > 18 else ""
    if character_set:
        msh.assign_field(character_set, 18)
    msa = ack.segment("MSA")
    if reason:
        msa.assign_field(message.escape(reason), 3)
    if code is not AckCode.ACCEPTED:
        number, text = error_code or _ERROR_CODES[code]
        err = ack.create_segment([ack.create_field(["ERR"])])
        if error_location:
            location = [part for part in error_location.split("^")]
            for index, part in enumerate(location, start=1):
                err.assign_field(part, 2, 1, index)
        err.assign_field(number, 3, 1, 1)
        err.assign_field(text, 3, 1, 2)
        err.assign_field("HL70357", 3, 1, 3)
        err.assign_field("E", 4)
        if reason:
            err.assign_field(message.escape(reason), 8)
        ack.append(err)
    return str(ack)
