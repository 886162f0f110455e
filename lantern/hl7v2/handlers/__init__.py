"""The HL7 v2 message handlers: a parsed message into the clinical record.

`process` is called by the transport (listener, `hl7_import`, the error queue's replay) inside
the transaction that records the outcome. It never raises for what a message holds: anything it
cannot apply is answered AE (read but not applied: unknown patient, a bad value) or AR (cannot be
taken: a type or trigger not supported), with a short reason without health information and the
ERR-2 location of the fault. What a handler wrote before it found a fault is undone (a savepoint,
its own or the caller's: see `caller_savepoint`), so a message is applied whole or not at all.
Supported messages, the fields read and every AE and AR are listed in docs/hl7v2-messages.md.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

import hl7
from django.db import DatabaseError, IntegrityError, transaction

from lantern.clinical.models import Organization, Patient
from lantern.hl7v2.contract import AckCode, MessageHeader, Outcome

from .adt import patient_register_or_update
from .errors import Refusal
from .patients import patient_require, pid_of, sender_organization
from .results import results_apply
from .schedules import schedule_apply
from .text import SegmentReader, segments
from .vaccines import immunizations_apply

__all__ = ["SUPPORTED", "caller_savepoint", "process"]

logger = logging.getLogger(__name__)

# Message type -> the trigger events handled.
SUPPORTED: dict[str, frozenset[str]] = {
    "ORU": frozenset({"R01"}),
    "ADT": frozenset({"A04", "A08", "A31"}),
    "SIU": frozenset({"S12", "S13", "S14", "S15"}),
    "VXU": frozenset({"V04"}),
}
SOURCE_SYSTEM_LENGTH = 100

# True while a caller runs `process` inside a savepoint of its own that it rolls back whenever
# the outcome is not AA (the transport, `services._handle`): `process` then opens none itself,
# which saves two round trips to the database per message.
caller_savepoint: ContextVar[bool] = ContextVar("hl7v2_caller_savepoint", default=False)


def source_system(msh: SegmentReader) -> str:
    """The records' `source_system`: "hl7v2:" with the sending application and facility
    (their namespace ids, MSH-3.1 and MSH-4.1), so two senders' order numbers never meet."""
    application = msh.text(3, 1) or msh.text(3, 2)
    facility = msh.text(4, 1) or msh.text(4, 2)
    return f"hl7v2:{application}@{facility}"[:SOURCE_SYSTEM_LENGTH]


def process(
    message: hl7.Message, *, header: MessageHeader, patient: Patient | None = None
) -> Outcome:
    """Apply one message to the record and say how it went (see the module's docstring).

    `patient` is given when staff matched a message of the error queue to a patient and replay
    it: the message is then applied to that patient, whatever PID-3 says.
    """
    supported = SUPPORTED.get(header.message_type)
    if header.message_type == "ADT" and header.trigger_event == "A40":
        return Outcome(AckCode.REJECTED, "merge is not supported", "MSH^1^9^1^2")
    if supported is None:
        return Outcome(AckCode.REJECTED, "message type not supported", "MSH^1^9^1^1")
    if header.trigger_event not in supported:
        return Outcome(AckCode.REJECTED, "message type not supported", "MSH^1^9^1^2")
    try:
        with transaction.atomic(savepoint=not caller_savepoint.get()):
            applied = _apply(message, header, patient)
    except Refusal as refusal:
        return Outcome(refusal.code, refusal.reason, refusal.location, patient=patient)
    except IntegrityError:
        # Two messages raced for one record, or a value clashed with another record.
        return Outcome(AckCode.ERROR, "the record refused a value; send the message again", "")
    except DatabaseError as error:
        # A value the database cannot store (too long for its column, out of range). The error
        # class names the kind of failure; its text may quote the value, so it is not logged.
        logger.warning("HL7 v2 message %s not applied: %s", header.control_id, type(error).__name__)
        return Outcome(AckCode.ERROR, "a value cannot be stored", "", patient=patient)
    return Outcome(AckCode.ACCEPTED, patient=applied)


def _organization(message: hl7.Message, patient: Patient | None, *, cached: bool) -> Organization:
    if patient is not None and patient.managing_organization_id is not None:
        return patient.managing_organization
    return sender_organization(message, cached=cached)


def _apply(message: hl7.Message, header: MessageHeader, patient: Patient | None) -> Patient:
    readers = segments(message)
    msh = next((reader for reader in readers if reader.name == "MSH"), None)
    if msh is None:
        raise Refusal("the message has no MSH segment", "MSH^1", AckCode.REJECTED)
    pid = pid_of(readers)
    source = source_system(msh)
    if header.message_type == "ADT":
        # A registration reads the clinics afresh: a patient is never registered in a clinic
        # resolved before a change to the clinics.
        organization = _organization(message, patient, cached=False)
        if pid is None:
            raise Refusal("the message has no PID segment", "PID^1")
        return patient_register_or_update(
            pid,
            trigger=header.trigger_event,
            organization=organization,
            patient=patient,
            source_system=source,
        )
    # Results, vaccines and appointments resolve the sender's clinic from the per-process
    # cache; a patient not found in a cached clinic is looked for again after a fresh lookup.
    organization = _organization(message, patient, cached=True)
    if patient is not None:
        found = patient
    else:
        try:
            found = patient_require(pid, organization)
        except Refusal:
            fresh = _organization(message, None, cached=False)
            if fresh.pk == organization.pk:
                raise
            organization = fresh
            found = patient_require(pid, organization)
    if header.message_type == "ORU":
        if not any(reader.name in ("OBR", "OBX") for reader in readers):
            raise Refusal("the message has no results (OBR or OBX)", "OBR^1")
        results_apply(readers, patient=found, source_system=source, control_id=header.control_id)
    elif header.message_type == "VXU":
        immunizations_apply(
            readers, patient=found, source_system=source, control_id=header.control_id
        )
    else:
        schedule_apply(
            readers,
            trigger=header.trigger_event,
            patient=found,
            organization=organization,
            source_system=source,
        )
    return found
