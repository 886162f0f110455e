"""The contract between the HL7 v2 transport (listener, storage, ACKs, error queue) and the
handlers that turn a message into the record.

The transport stores the raw bytes, reads the header, parses the message and calls
`lantern.hl7v2.handlers.process` inside the transaction that records the outcome; the handlers
never send anything and never raise for bad content: they answer with an Outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class AckCode(enum.StrEnum):
    """MSA-1 of the acknowledgement (original mode)."""

    ACCEPTED = "AA"
    ERROR = "AE"  # The message was read but could not be applied (unknown patient, bad value).
    REJECTED = "AR"  # The message cannot be taken at all (type not supported, unreadable).


@dataclass(frozen=True)
class MessageHeader:
    """What MSH says about a message: enough to deduplicate, route and acknowledge it."""

    sending_application: str
    sending_facility: str
    control_id: str
    message_type: str  # MSH-9.1, "ORU"
    trigger_event: str  # MSH-9.2, "R01"
    version: str  # MSH-12
    character_set: str  # MSH-18 as sent ("" means ASCII)


@dataclass(frozen=True)
class Outcome:
    """What processing a message did: the ACK code, a reason for people and where it failed."""

    code: AckCode
    # A short reason without health information, for MSA-3 and ERR and the error queue.
    reason: str = ""
    # ERR-2 location of the fault, e.g. "PID^1^3" (segment, sequence, field).
    error_location: str = ""
    # The patient the message was applied to, when one was found (a clinical Patient).
    patient: Any = None
