"""Reads of the HL7 v2 inbox for the console's error queue.

Staff see the queue of the clinics where their role works it (`policy.INTERFACE_QUEUE_ROLES`);
a message of another clinic is "not found". The list shows what the transport knows (type,
sender, control id, when, why, the patient once matched), never the message's content. A
message's page adds who the message says it is about (PID: name, identifiers, birth date, sex),
the personal details staff of those roles may see, so they can match it to a patient.
"""

from __future__ import annotations

import dataclasses
import uuid

from django.db.models import QuerySet
from django.http import Http404

from lantern.access import policy
from lantern.core.statements import Statement, StatementRows
from lantern.hl7v2.models import QUEUE_STATUSES, InboundMessage
from lantern.hl7v2.wire import UnreadableMessage, decode, parse

# Words for the message types staff meet; others are shown as sent ("MFN^M02").
TYPE_WORDS = {
    "ORU": "Test results",
    "ADT": "Registration",
    "SIU": "Appointment",
    "VXU": "Immunization",
}


class MessageNotFound(Http404):
    """Not a message of the user's clinics' error queue (or none at all)."""


def interface_queue(*, user) -> QuerySet[InboundMessage]:
    """Messages in error or rejected at the user's clinics, newest first."""
    return (
        InboundMessage.objects.filter(
            status__in=QUEUE_STATUSES,
            organization_id__in=policy.interface_queue_organizations(user),
        )
        .select_related("patient")
        .defer("raw", "ack")
        .order_by("-received_at", "pk")
    )


def works_interface_queue(*, user) -> bool:
    return policy.interface_queue_organizations(user).exists()


# The queue's count and its pages, built once per process (lantern/core/statements.py).
_QUEUE = Statement(lambda *user: interface_queue(user=policy.user_template(*user)))
_QUEUE_SLICE = Statement(
    lambda start, stop, *user: interface_queue(user=policy.user_template(*user))[start:stop]
)


def interface_queue_count(*, user) -> int:
    return _QUEUE.count(policy.user_shape(user), **policy.user_values(user))


def interface_queue_rows(*, user) -> StatementRows:
    """`interface_queue` as a paginator reads it: its count and each page's slice."""
    return StatementRows(_QUEUE_SLICE, _QUEUE, policy.user_shape(user), **policy.user_values(user))


def queue_message_get(*, user, message_id: uuid.UUID) -> InboundMessage:
    """One message of the user's clinics' queue, processed or not (its page stays after replay)."""
    message = (
        InboundMessage.objects.filter(
            pk=message_id, organization_id__in=policy.interface_queue_organizations(user)
        )
        .select_related("patient")
        .first()
    )
    if message is None:
        raise MessageNotFound
    return message


def type_words(message: InboundMessage) -> str:
    kind = f"{message.message_type}^{message.trigger_event}".strip("^")
    words = TYPE_WORDS.get(message.message_type)
    return f"{words} ({kind})" if words else kind or "Unreadable message"


def sender_words(message: InboundMessage) -> str:
    """The first component of MSH-3 and MSH-4, as people name the sending system."""
    application = message.sending_application.split("^")[0]
    facility = message.sending_facility.split("^")[0]
    return " at ".join(part for part in (application, facility) if part) or "Not named"


@dataclasses.dataclass(frozen=True)
class MessageSubject:
    """Who a message says it is about (PID), for matching it to a patient."""

    name: str
    identifiers: list[str]
    birth_date: str
    sex: str


def message_subject(message: InboundMessage) -> MessageSubject | None:
    """PID of the message, unescaped; None when the message cannot be read or has no PID."""
    try:
        parsed = parse(decode(bytes(message.raw)))
        pid = parsed.segment("PID")
    except (UnreadableMessage, KeyError):
        return None

    def field(number: int) -> str:
        return parsed.unescape(str(pid(number))) if len(pid) > number else ""

    def components(value: str) -> list[str]:
        return value.split(parsed.separators[3]) if value else []

    name_parts = components(field(5).split(parsed.separators[2])[0])
    family = name_parts[0] if name_parts else ""
    given = " ".join(part for part in name_parts[1:3] if part)
    identifiers = []
    for repetition in field(3).split(parsed.separators[2]):
        parts = components(repetition)
        if parts and parts[0]:
            kind = parts[4] if len(parts) > 4 else ""
            identifiers.append(f"{parts[0]} ({kind})" if kind else parts[0])
    birth = field(7)[:8]
    birth_date = f"{birth[:4]}-{birth[4:6]}-{birth[6:8]}" if len(birth) == 8 else birth
    return MessageSubject(
        name=" ".join(part for part in (given, family) if part),
        identifiers=identifiers,
        birth_date=birth_date,
        sex={"F": "Female", "M": "Male", "O": "Other", "U": "Unknown"}.get(field(8), field(8)),
    )
