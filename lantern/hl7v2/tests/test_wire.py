from __future__ import annotations

import hl7
import pytest

from lantern.hl7v2.contract import AckCode
from lantern.hl7v2.wire import UnreadableMessage, build_ack, decode, parse, read_header

# Synthetic messages, no real people.
ORU = (
    "MSH|^~\\&|LAB^1.2.3^ISO|CLINIC LAB|LANTERN|CLINIC|20260101120000||ORU^R01^ORU_R01|CTRL-1|P|"
    "2.5.1\r"
    "PID|1||MRN-1^^^CLINIC^MR||TEST^ALICE||19800101|F\r"
    "OBR|1||ORD-1|2345-7^Glucose^LN\r"
    "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F\r"
)


def with_charset(message: str, character_set: str) -> str:
    """The message with MSH-18 set (MSH-13..17 empty)."""
    first, rest = message.split("\r", 1)
    return f"{first}||||||{character_set}\r{rest}"


def test_decode_keeps_a_plain_ascii_message_as_sent() -> None:
    assert decode(ORU.encode("ascii")) == ORU


@pytest.mark.parametrize("separator", ["\n", "\r\n", "\r"])
def test_decode_turns_any_segment_break_into_cr(separator: str) -> None:
    raw = ORU.replace("\r", separator).encode("ascii")

    assert decode(raw) == ORU


def test_decode_leaves_a_line_break_inside_a_segment_alone() -> None:
    message = ORU + "NTE|1||First line\nsecond line\r"

    text = decode(message.replace("\r", "\r\n").encode("ascii"))

    assert text.endswith("NTE|1||First line\nsecond line\r")
    assert text.count("\r") == 5


def test_decode_strips_a_byte_order_mark_and_reads_utf8() -> None:
    message = ORU.replace("TEST^ALICE", "TEST^ZOË")

    text = decode(b"\xef\xbb\xbf" + message.encode("utf-8"))

    assert text == message


@pytest.mark.parametrize(
    ("character_set", "codec"),
    [("8859/1", "latin-1"), ("UNICODE UTF-8", "utf-8"), ("UTF-8", "utf-8")],
)
def test_decode_reads_the_character_set_msh18_names(character_set: str, codec: str) -> None:
    message = with_charset(ORU.replace("TEST^ALICE", "TEST^ZOË"), character_set)

    assert decode(message.encode(codec)) == message


def test_decode_reads_undeclared_utf8_when_msh18_is_empty() -> None:
    # As a state laboratory sends it: a micro sign in UTF-8, and no MSH-18.
    message = ORU.replace("TEST^ALICE", "TEST^ZOË").replace("|mg/dL|", "|µmol/L|")

    assert decode(message.encode("utf-8")) == message


def test_decode_refuses_undeclared_bytes_that_are_not_utf8() -> None:
    raw = ORU.replace("TEST^ALICE", "TEST^ZOË").encode("latin-1")

    with pytest.raises(UnreadableMessage, match=r"not UTF-8 \(no MSH-18\); declare"):
        decode(raw)


def test_decode_refuses_bytes_outside_ascii_when_ascii_is_the_default(settings) -> None:
    settings.HL7V2_DEFAULT_CHARACTER_SET = "ASCII"
    raw = ORU.replace("TEST^ALICE", "TEST^ZOË").encode("utf-8")

    with pytest.raises(UnreadableMessage, match=r"not ASCII \(no MSH-18\)"):
        decode(raw)


def test_decode_uses_the_configured_default_character_set(settings) -> None:
    settings.HL7V2_DEFAULT_CHARACTER_SET = "8859/1"
    message = ORU.replace("TEST^ALICE", "TEST^ZOË")

    assert decode(message.encode("latin-1")) == message


def test_decode_refuses_a_character_set_it_does_not_know() -> None:
    with pytest.raises(UnreadableMessage, match="not supported"):
        decode(with_charset(ORU, "ISO IR87").encode("ascii"))


def test_read_header_reads_what_the_transport_needs() -> None:
    header = read_header(with_charset(ORU, "UNICODE UTF-8"))

    assert header.sending_application == "LAB^1.2.3^ISO"
    assert header.sending_facility == "CLINIC LAB"
    assert header.control_id == "CTRL-1"
    assert (header.message_type, header.trigger_event) == ("ORU", "R01")
    assert header.version == "2.5.1"
    assert header.character_set == "UNICODE UTF-8"


def test_read_header_says_when_there_is_no_msh() -> None:
    with pytest.raises(UnreadableMessage, match="no MSH segment"):
        read_header("PID|1||MRN-1\r")


def test_read_header_says_when_the_control_id_is_empty() -> None:
    with pytest.raises(UnreadableMessage, match="MSH-10"):
        read_header(ORU.replace("CTRL-1", ""))


def test_parse_returns_a_python_hl7_message() -> None:
    message = parse(ORU)

    assert isinstance(message, hl7.Message)
    assert str(message.segment("OBX")(5)) == "95"


def test_parse_refuses_text_that_is_not_hl7() -> None:
    with pytest.raises(UnreadableMessage):
        parse("hello\r")


def test_an_accepting_ack_answers_the_control_id_without_err() -> None:
    ack = parse(build_ack(parse(ORU), AckCode.ACCEPTED, "", ""))

    assert str(ack.segment("MSH")(9)) == "ACK^R01^ACK"
    assert str(ack.segment("MSH")(5)) == "LAB^1.2.3^ISO"
    assert str(ack.segment("MSA")(1)) == "AA"
    assert str(ack.segment("MSA")(2)) == "CTRL-1"
    with pytest.raises(KeyError):
        ack.segment("ERR")


def test_an_error_ack_carries_the_reason_in_msa3_and_err() -> None:
    text = build_ack(parse(ORU), AckCode.ERROR, "no patient with this MRN | id", "PID^1^3")
    ack = parse(text)

    assert str(ack.segment("MSA")(1)) == "AE"
    assert ack.unescape(str(ack.segment("MSA")(3))) == "no patient with this MRN | id"
    err = ack.segment("ERR")
    assert str(err(2)) == "PID^1^3"
    assert str(err(3)) == "207^Application internal error^HL70357"
    assert str(err(4)) == "E"
    assert ack.unescape(str(err(8))) == "no patient with this MRN | id"


def test_a_reject_ack_uses_the_unsupported_type_code_and_keeps_msh18() -> None:
    message = parse(with_charset(ORU, "UNICODE UTF-8"))

    ack = parse(build_ack(message, AckCode.REJECTED, "message type not supported", ""))

    assert str(ack.segment("MSA")(1)) == "AR"
    assert str(ack.segment("ERR")(3)(1)(1)) == "200"
    assert str(ack.segment("MSH")(18)) == "UNICODE UTF-8"


def test_a_message_whose_msh9_has_no_components_is_still_answered() -> None:
    message = parse(ORU.replace("ORU^R01^ORU_R01", "ORU"))

    ack = parse(build_ack(message, AckCode.REJECTED, "message type not supported", ""))

    assert str(ack.segment("MSA")(1)) == "AR"
    assert str(ack.segment("MSA")(2)) == "CTRL-1"
    assert str(ack.segment("MSH")(5)) == "LAB^1.2.3^ISO"
