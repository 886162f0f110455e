"""Helpers for the handler tests: a sample or a synthetic message through the transport's reading
(`wire.decode`, `read_header`, `parse`) and `handlers.process`."""

from __future__ import annotations

from pathlib import Path

from lantern.hl7v2.contract import Outcome
from lantern.hl7v2.handlers import process
from lantern.hl7v2.wire import decode, parse, read_header

SAMPLES = Path(__file__).parent / "samples"


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def run(raw: bytes | str, *, patient=None) -> Outcome:
    """Process one message as the transport would: bytes decoded by MSH-18, then parsed."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    text = decode(raw)
    return process(parse(text), header=read_header(text), patient=patient)


def run_sample(name: str, *, patient=None) -> Outcome:
    return run(sample_bytes(name), patient=patient)


MSH = "MSH|^~\\&|LAB|RIVERSIDE|LANTERN|CLINIC|20260301120000-0500||{type}|{control}|P|2.5.1"


def message(*segments: str, type: str = "ORU^R01", control: str = "CTRL-1") -> str:
    """A synthetic message: MSH (sending facility RIVERSIDE) of `type`, then the segments."""
    header = MSH.format(type=type, control=control)
    return "\r".join([header, *segments]) + "\r"
