"""Writes of the HL7 v2 inbox: receive (store and process, commit, then answer) and replay.

`message_receive` is what the file import calls for each message, and `messages_receive` what
the listener calls for the messages a sender has sent so far on one connection:

1. in one transaction, the raw bytes are stored (`InboundMessage`) and the message is processed:
   the handler (`lantern.hl7v2.handlers.process`) applies it to the record inside a savepoint,
   and the outcome (status, ACK code, reason, the ACK text) is written on the stored row. A
   handler that fails, or answers AE or AR, has its writes rolled back to the savepoint; the raw
   bytes and the outcome stay;
2. the transaction is committed (one durable commit; for `messages_receive`, one for all the
   messages it was given, each in its own savepoint);
3. only then does the caller send the ACKs. A message whose transaction did not commit is not
   answered, so the sender keeps it and sends it again: nothing acknowledged is ever lost.

A message whose (sending application, control id) is already stored is not stored again: its ACK
is returned as it was first sent. The database's unique constraint decides when two copies arrive
at once: the INSERT ... ON CONFLICT DO NOTHING of the second copy waits for the first copy's
transaction (on PostgreSQL; on SQLite the IMMEDIATE transactions run one at a time), then finds
it stored and processed and returns its ACK. A row stored but not processed (status "received",
left by an earlier version that committed the raw bytes first) is claimed with a conditional
UPDATE and processed when its message comes again.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import hl7
from django.db import connection, transaction
from django.utils import timezone

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole, AuditAction
from lantern.audit.services import audit_event_record
from lantern.clinical.models import Organization
from lantern.hl7v2.contract import AckCode, MessageHeader, Outcome
from lantern.hl7v2.handlers import caller_savepoint, process
from lantern.hl7v2.handlers.errors import Refusal
from lantern.hl7v2.handlers.patients import sender_organization
from lantern.hl7v2.models import QUEUE_STATUSES, InboundMessage, MessageSource, MessageStatus
from lantern.hl7v2.wire import (
    UnreadableMessage,
    build_ack,
    decode,
    encode,
    normalise_segments,
    parse,
    read_header,
)

logger = logging.getLogger(__name__)


STATUS_OF_CODE = {
    AckCode.ACCEPTED: MessageStatus.PROCESSED,
    AckCode.ERROR: MessageStatus.ERROR,
    AckCode.REJECTED: MessageStatus.REJECTED,
}
# The reason given when a handler fails on a bug rather than answering: the message stays in the
# error queue for replay once the fault is fixed.
INTERNAL_ERROR = "the message could not be processed (internal error); it is kept for replay"
# Why a replay or a match did nothing (a second submit, or someone else was quicker).
ALREADY_DONE = "This message was already replayed or processed; this is what happened."
# Answers a message so broken that it has no MSH to acknowledge from.
_NO_HEADER = "MSH|^~\\&|||||||ACK^^ACK||P|2.5\r"


@dataclasses.dataclass(frozen=True)
class Received:
    """What became of one message: its row, the ACK to send (bytes) and whether it was new."""

    message: InboundMessage
    ack: bytes
    duplicate: bool


def _queue_clinic(message: hl7.Message | None) -> Organization | None:
    """The clinic whose error queue shows a message no patient was found for: the one its
    sending facility (MSH-4) names, or the only clinic Lantern serves (the handlers' rule);
    None when that cannot be told (the message is then kept, in no clinic's queue)."""
    try:
        return sender_organization(message if message is not None else parse(_NO_HEADER))
    except (Refusal, KeyError):
        return None


def _readable_text(raw: bytes) -> str:
    """Text good enough to answer an undecodable message: headers are ASCII in every charset."""
    return normalise_segments(raw.lstrip(b"\xef\xbb\xbf").decode("latin-1"))


def _readable_message(raw: bytes) -> hl7.Message | None:
    try:
        return parse(_readable_text(raw))
    except UnreadableMessage:
        return None


def _unreadable_ack(raw: bytes, reason: str) -> tuple[str, str]:
    """The AR for a message that cannot be read: answered from its own MSH when it has one."""
    try:
        message = parse(_readable_text(raw))
        message.segment("MSH")
    except (UnreadableMessage, KeyError):
        return build_ack(parse(_NO_HEADER), AckCode.REJECTED, reason, ""), ""
    try:
        character_set = read_header(str(message)).character_set
    except UnreadableMessage:
        # No control id: the ACK still answers the sender's MSH, with an empty MSA-2.
        character_set = ""
    return build_ack(message, AckCode.REJECTED, reason, ""), character_set


def _store(*, raw: bytes, header: MessageHeader | None, source: str) -> tuple[InboundMessage, bool]:
    """Store the raw message in the caller's transaction; an already stored copy (this sender and
    control id) is returned instead, with False."""
    fields = {}
    if header is not None:
        fields = {
            "sending_application": header.sending_application[:255],
            "sending_facility": header.sending_facility[:255],
            "control_id": header.control_id[:199],
            "message_type": header.message_type[:10],
            "trigger_event": header.trigger_event[:10],
        }
    row = InboundMessage(raw=raw, source=source, **fields)
    if _insert_unless_stored(row):
        row._state.adding = False
        row._state.db = connection.alias
        return row, True
    existing = InboundMessage.objects.get(
        sending_application=fields["sending_application"], control_id=fields["control_id"]
    )
    return existing, False


def _insert_unless_stored(row: InboundMessage) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: False when the sender's control id is already stored.

    One statement and no savepoint (a failed INSERT would need one to keep the transaction
    usable); the conflict is the unique (sending application, control id). A row without a
    control id never conflicts."""
    fields = InboundMessage._meta.concrete_fields
    values = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(InboundMessage._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({placeholders}) ON CONFLICT DO NOTHING",
            values,
        )
        return cursor.rowcount == 1


class _NotApplied(Exception):
    """Leaves the handler's savepoint, rolling its writes back, with the outcome to record."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome


def _handle(row: InboundMessage, *, message: hl7.Message, header: MessageHeader) -> Outcome:
    """Apply a message inside a savepoint; what it wrote stays only when it was accepted (the
    handlers then open no savepoint of their own, see `handlers.caller_savepoint`)."""
    token = caller_savepoint.set(True)
    try:
        with transaction.atomic():
            outcome = process(message, header=header, patient=row.patient)
            if outcome.code != AckCode.ACCEPTED:
                raise _NotApplied(outcome)
    except _NotApplied as not_applied:
        return not_applied.outcome
    except Exception as error:
        # A bug, not bad content (handlers answer bad content with an Outcome): the handler's
        # writes are rolled back and the message waits in the error queue.
        logger.error("HL7 v2 message %s failed in its handler: %s", row.pk, type(error).__name__)
        return Outcome(code=AckCode.ERROR, reason=INTERNAL_ERROR)
    finally:
        caller_savepoint.reset(token)
    return outcome


def _apply(
    row: InboundMessage, *, message: hl7.Message, header: MessageHeader, claim: bool = True
) -> InboundMessage:
    """Process a stored message once and write its outcome on its row, in the caller's
    transaction (or one of its own). `claim` first takes the row with a conditional UPDATE: on
    PostgreSQL it waits for another transaction processing the same row and then finds it done;
    on SQLite the IMMEDIATE transaction serialises them. A row this transaction has just stored
    needs no claim."""
    with transaction.atomic(savepoint=False):
        if claim:
            claimed = InboundMessage.objects.filter(
                pk=row.pk, status=MessageStatus.RECEIVED
            ).update(processed_at=timezone.now())
            if not claimed:
                # Another connection (or a replay) processed it while this one waited.
                return InboundMessage.objects.defer("raw").get(pk=row.pk)
        outcome = _handle(row, message=message, header=header)
        fields = _outcome_fields(
            message=message, outcome=outcome, organization_id=row.organization_id
        )
        _outcome_write(row.pk, fields)
        for name, value in fields.items():
            setattr(row, name, value)
        if outcome.patient is not None:
            row.patient = outcome.patient
    return row


# The UPDATE that writes an outcome, per database and set of columns (an outcome names a patient
# and a clinic or not): built once, as the ORM's `update` would write it, whose building cost
# more than the statement.
_outcome_statements: dict[tuple[str, tuple[str, ...]], tuple[str, list]] = {}


def _outcome_write(pk: Any, fields: dict) -> None:
    """`InboundMessage.objects.filter(pk=pk).update(**fields)`, without building the query."""
    names = tuple(fields)
    key = (connection.alias, names)
    compiled = _outcome_statements.get(key)
    if compiled is None:
        model_fields = [InboundMessage._meta.get_field(name) for name in names]
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in model_fields)
        sql = (
            f"UPDATE {quote(InboundMessage._meta.db_table)} SET {assignments} "  # noqa: S608
            f"WHERE {quote(InboundMessage._meta.pk.column)} = %s"
        )
        compiled = _outcome_statements[key] = (sql, model_fields)
    sql, model_fields = compiled
    params = [
        field.get_db_prep_save(fields[name], connection)
        for name, field in zip(names, model_fields, strict=True)
    ]
    params.append(InboundMessage._meta.pk.get_db_prep_value(pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _outcome_fields(*, message: hl7.Message, outcome: Outcome, organization_id) -> dict:
    reason = outcome.reason[:255]
    fields = {
        "status": STATUS_OF_CODE[outcome.code],
        "ack_code": str(outcome.code),
        "ack": build_ack(message, outcome.code, reason, outcome.error_location),
        "reason": reason,
        "error_location": outcome.error_location[:80],
        "processed_at": timezone.now(),
    }
    if outcome.patient is not None:
        fields["patient_id"] = outcome.patient.pk
        fields["organization_id"] = outcome.patient.managing_organization_id
    if outcome.code != AckCode.ACCEPTED and not fields.get("organization_id"):
        # Only a message in the queue needs a clinic; an accepted one has its patient's.
        clinic = _queue_clinic(message)
        fields["organization_id"] = clinic.pk if clinic is not None else organization_id
    return fields


def message_receive(*, raw: bytes, source: str = MessageSource.LISTENER) -> Received:
    """Store, process and answer one message (the bytes inside one MLLP block, or one message
    of a file), in one transaction committed on return. Returns the ACK to send; never raises
    for bad input (a database error propagates: nothing was committed, send no ACK)."""
    with transaction.atomic():
        return _receive(raw=raw, source=source)


@dataclasses.dataclass(frozen=True)
class Batch:
    """What `messages_receive` committed: the first len(received) messages, in order. `error`
    is set when the message after them could not be stored (send no ACK for it or the rest)."""

    received: list[Received]
    error: Exception | None = None


def messages_receive(raws: list[bytes], *, source: str = MessageSource.LISTENER) -> Batch:
    """Store, process and answer several messages of one sender, in their order, in one
    transaction: one durable commit for all of them (group commit). Each message is processed in
    its own savepoint, so each gets its own outcome and ACK, exactly as if it came alone; a copy
    of a message earlier in the group gets that message's ACK.

    If the shared transaction fails (a deadlock with another listener, a lost connection, a
    fault outside the handlers), nothing of it is kept and the messages are received again one
    at a time; the ones before a failing one are still committed and answered."""
    if len(raws) > 1:
        try:
            with transaction.atomic():
                return Batch([_receive(raw=raw, source=source) for raw in raws])
        except Exception as error:
            logger.warning(
                "HL7 v2 group of %s messages rolled back (%s); receiving them one at a time",
                len(raws),
                type(error).__name__,
            )
    received: list[Received] = []
    for raw in raws:
        try:
            received.append(message_receive(raw=raw, source=source))
        except Exception as error:
            return Batch(received, error)
    return Batch(received)


def _receive(*, raw: bytes, source: str) -> Received:
    try:
        text = decode(raw)
        header = read_header(text)
        message = parse(text)
    except UnreadableMessage as error:
        return _reject_unreadable(raw=raw, source=source, reason=error.reason)
    row, created = _store(raw=raw, header=header, source=source)
    if row.status == MessageStatus.RECEIVED:
        # New, or stored by an earlier version's run that died before processing it.
        row = _apply(row, message=message, header=header, claim=not created)
    return Received(message=row, ack=encode(row.ack, header.character_set), duplicate=not created)


def _reject_unreadable(*, raw: bytes, source: str, reason: str) -> Received:
    """Store and answer AR a message that cannot be decoded or parsed; when its MSH can still
    be read (an undeclared character set), a resend of it is answered with the first ACK."""
    ack, character_set = _unreadable_ack(raw, reason)
    try:
        header: MessageHeader | None = read_header(_readable_text(raw))
    except UnreadableMessage:
        header = None
    row, created = _store(raw=raw, header=header, source=source)
    if row.status == MessageStatus.RECEIVED:
        InboundMessage.objects.filter(pk=row.pk, status=MessageStatus.RECEIVED).update(
            status=MessageStatus.REJECTED,
            ack_code=AckCode.REJECTED,
            ack=ack,
            reason=reason[:255],
            processed_at=timezone.now(),
            organization=_queue_clinic(_readable_message(raw)),
        )
        row.refresh_from_db()
    return Received(message=row, ack=encode(row.ack, character_set), duplicate=not created)


class NotReplayable(Exception):
    """The message cannot be matched or replayed now; `reason` says why, for staff."""

    def __init__(self, reason: str = ALREADY_DONE) -> None:
        super().__init__(reason)
        self.reason = reason


def message_match(*, access: PatientAccess, message: InboundMessage) -> InboundMessage:
    """Staff match a message in the error queue to a patient of their clinic (`access`)."""
    with transaction.atomic():
        updated = InboundMessage.objects.filter(pk=message.pk, status__in=QUEUE_STATUSES).update(
            patient=access.patient,
            organization_id=access.patient.managing_organization_id or message.organization_id,
        )
        if not updated:
            raise NotReplayable
        audit_event_record(
            actor=access.user,
            patient=access.patient,
            role=ActorRole.STAFF,
            action=AuditAction.UPDATE,
            object_type="InboundMessage",
            object_id=str(message.pk),
        )
    message.refresh_from_db()
    return message


def message_replay(*, user, message: InboundMessage, replay_count: int) -> InboundMessage:
    """Process a message of the error queue again, with the patient staff matched it to.

    `replay_count` is the count the staff member's page showed: a second submit of the same
    form finds it changed and replays nothing (the conditional UPDATE decides, on both engines).
    """
    try:
        text = decode(bytes(message.raw))
        header = read_header(text)
        parsed = parse(text)
    except UnreadableMessage as error:
        raise NotReplayable(
            f"This message cannot be replayed: {error.reason}. Ask the sender to send it again."
        ) from None
    with transaction.atomic():
        claimed = InboundMessage.objects.filter(
            pk=message.pk, status__in=QUEUE_STATUSES, replay_count=replay_count
        ).update(
            status=MessageStatus.RECEIVED,
            replay_count=replay_count + 1,
            replayed_by=user,
        )
        if not claimed:
            raise NotReplayable
        message.status = MessageStatus.RECEIVED
        row = _apply(message, message=parsed, header=header)
        audit_event_record(
            actor=user,
            patient=row.patient,
            role=ActorRole.STAFF,
            action=AuditAction.IMPORT,
            object_type="InboundMessage",
            object_id=str(row.pk),
        )
    return row
