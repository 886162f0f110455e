"""The clinic's side of secure messages: the staff inbox (reads) and its actions (writes).

Every function takes the acting staff user. A conversation is in scope when it was sent to one of
the user's clinics AND its patient is one the access policy lets the user act for; anything else
is "not found". Each action on one conversation goes through `policy.patient_access` and writes
one audit event, of what it did, in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from lantern.access import policy
from lantern.access.models import Section, StaffMembership
from lantern.accounts.models import User
from lantern.audit.models import AuditAction
from lantern.core.statements import CountsStatement, Param, Statement

from . import services as messaging_services
from .models import (
    DONE_BY_CLINIC,
    UNREAD_BY_CLINIC,
    WAITING_FOR_CLINIC,
    Conversation,
    Message,
    MessagePool,
    StaffNote,
)

QUEUE_ALL = "all"
QUEUE_MINE = "mine"
STATE_WAITING = "waiting"
STATES: dict[str, str] = {
    STATE_WAITING: "Waiting for a reply",
    "unread": "Unread",
    "assigned": "Assigned",
    "unassigned": "Not assigned",
    "done": "Done",
    "all": "All",
}
# A thread shows at most this many of its latest messages (and as many internal notes).
THREAD_LIMIT = 300
# The colleagues offered in "Assign to"; a clinic has far fewer staff than this.
COLLEAGUES_LIMIT = 500
AUDIT_OBJECT_TYPE = "Conversation"
T = TypeVar("T")


class ConversationNotFound(Http404):
    """The conversation does not exist or is not in the user's inbox; the two look the same."""


class AssignmentRefused(Exception):
    """The chosen person cannot take the conversation (not active staff of its clinic)."""

    message = "Choose someone who works at this clinic."


# Scope and filters.


def _state_conditions() -> dict[str, Q]:
    # Waiting, unread and done are few of a clinic's conversations; each has a partial index.
    return {
        STATE_WAITING: WAITING_FOR_CLINIC,
        "unread": UNREAD_BY_CLINIC,
        "assigned": Q(assigned_to__isnull=False),
        "unassigned": Q(assigned_to__isnull=True),
        "done": DONE_BY_CLINIC,
        "all": Q(),
    }


def conversations_in_scope(user) -> QuerySet[Conversation]:
    """Every conversation the user may handle as staff (any state, any queue)."""
    return Conversation.objects.filter(policy.conversation_scope(user))


def _inbox_pools(user) -> QuerySet[MessagePool]:
    return MessagePool.objects.filter(
        organization_id__in=policy.staff_organizations(user), is_active=True
    ).select_related("organization")


# The inbox's queries, built once per process for each shape (lantern/core/statements.py):
# whether the account may act and has a record of its own, then the number of pools, the kind
# of queue ("all", "mine" or "pool") and the state; the account, its pools and the chosen pool
# are values.
_POOLS = Statement(lambda *user: _inbox_pools(policy.user_template(*user)))


def inbox_pools(user) -> list[MessagePool]:
    """The active pools of the user's clinics, in their set order."""
    return _POOLS.objects(policy.user_shape(user), **policy.user_values(user))


def _queue_kind(queue: str, pools: Sequence[MessagePool]) -> str:
    """ "all", "mine" or "pool" (one of the user's clinics' pools); any other queue is 404."""
    if queue in (QUEUE_ALL, QUEUE_MINE):
        return queue
    if any(str(pool.pk) == queue for pool in pools):
        return "pool"
    raise Http404


def _queue_condition(user, queue: str, pools: Sequence[MessagePool]) -> Q:
    """The filter for a queue: everything, mine, or one of the user's clinics' pools."""
    if queue == QUEUE_ALL:
        return Q()
    if queue == QUEUE_MINE:
        return Q(assigned_to=user) | Q(clinician=user)
    if any(str(pool.pk) == queue for pool in pools):
        return Q(pool_id=queue)
    raise Http404


def _template_queue_condition(user, kind: str) -> Q:
    if kind == "pool":
        return Q(pool_id=Param("queue_pool", MessagePool._meta.pk))
    return _queue_condition(user, kind, ())


def _inbox_values(
    staff: policy.StaffAccess, queue: str, pools: Sequence[MessagePool]
) -> dict[str, Any]:
    values = policy.staff_values(staff, Section.MESSAGES)
    values.update((f"pool{index}", pool.pk) for index, pool in enumerate(pools))
    if queue not in (QUEUE_ALL, QUEUE_MINE):
        values["queue_pool"] = queue
    return values


def _ordered(conversations: QuerySet[Conversation], state: str) -> QuerySet[Conversation]:
    if state == STATE_WAITING:
        return conversations.order_by("waiting_since", "pk")
    return conversations.order_by("-last_message_at", "pk")


def _staff(user, staff: policy.StaffAccess | None) -> policy.StaffAccess:
    """The staff access the page has read, or the user's (one query)."""
    if staff is None:
        return policy.staff_access(user)
    if staff.user.pk != user.pk:
        raise ValueError("This staff access is another account's.")
    return staff


def _inbox_slice(
    may_act: bool,
    has_record: bool,
    organization_count: int,
    section: Section,
    kind: str,
    state: str,
    start: int,
    stop: int,
) -> QuerySet[Conversation]:
    user = policy.staff_template(may_act, has_record, organization_count, section)
    conversations = (
        conversations_in_scope(user)
        .filter(_template_queue_condition(user, kind), _state_conditions()[state])
        .select_related("patient", "pool", "clinician", "assigned_to")
    )
    return _ordered(conversations, state)[start:stop]


_INBOX_SLICE = Statement(_inbox_slice)


class InboxListing:
    """`inbox_conversations` as a paginator slices it, each slice one statement."""

    ordered = True

    def __init__(
        self,
        user,
        *,
        queue: str,
        state: str,
        pools: Sequence[MessagePool],
        staff: policy.StaffAccess | None = None,
    ) -> None:
        if state not in STATES:
            raise Http404
        staff = _staff(user, staff)
        kind = _queue_kind(queue, pools)
        self.shape = (*policy.staff_shape(staff, Section.MESSAGES), kind, state)
        self.values = _inbox_values(staff, queue, ())

    def __getitem__(self, index: slice) -> list[Conversation]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("Only slices of the inbox are read.")
        return _INBOX_SLICE.objects((*self.shape, index.start or 0, index.stop), **self.values)

    def count(self) -> int:
        raise TypeError("The inbox is counted by `inbox_counts`.")


def inbox_conversations(
    user, *, queue: str = QUEUE_ALL, state: str = STATE_WAITING, pools: Sequence[MessagePool] = ()
) -> QuerySet[Conversation]:
    """Conversations in one queue and state: waiting ones oldest first, others latest first.

    `queue` is "all", "mine" (assigned to the user or addressed to them as clinician) or the id of
    a pool of the user's clinics (pass `pools` when already loaded); an unknown queue is 404.
    """
    if state not in STATES:
        raise Http404
    if not pools and queue not in (QUEUE_ALL, QUEUE_MINE):
        pools = inbox_pools(user)
    conversations = (
        conversations_in_scope(user)
        .filter(_queue_condition(user, queue, pools), _state_conditions()[state])
        .select_related("patient", "pool", "clinician", "assigned_to")
    )
    return _ordered(conversations, state)


# The filter links count up to this many conversations and then say "999+": a clinic's closed
# conversations pile up for years, and counting them all would cost more as they do.
COUNTED_UP_TO = 999


@dataclass(frozen=True)
class QueueCount:
    key: str
    label: str
    # At most COUNTED_UP_TO + 1, which stands for "more than COUNTED_UP_TO".
    count: int

    @property
    def words(self) -> str:
        return f"{COUNTED_UP_TO}+" if self.count > COUNTED_UP_TO else str(self.count)


@dataclass(frozen=True)
class InboxCounts:
    """How many conversations each queue holds in the chosen state, and each state in the queue."""

    queues: list[QueueCount]
    states: list[QueueCount]


def _queue_totals(
    may_act: bool,
    has_record: bool,
    organization_count: int,
    section: Section,
    pool_count: int,
    state: str,
) -> dict[str, QuerySet]:
    user = policy.staff_template(may_act, has_record, organization_count, section)
    pools = [Param(f"pool{index}", MessagePool._meta.pk) for index in range(pool_count)]
    in_state = conversations_in_scope(user).filter(_state_conditions()[state])
    return {
        QUEUE_ALL: in_state,
        QUEUE_MINE: in_state.filter(Q(assigned_to=user) | Q(clinician=user)),
        **{f"pool_{index}": in_state.filter(pool=pool) for index, pool in enumerate(pools)},
    }


def _state_totals(
    may_act: bool, has_record: bool, organization_count: int, section: Section, kind: str
) -> dict[str, QuerySet]:
    user = policy.staff_template(may_act, has_record, organization_count, section)
    in_queue = conversations_in_scope(user).filter(_template_queue_condition(user, kind))
    return {key: in_queue.filter(condition) for key, condition in _state_conditions().items()}


_QUEUE_TOTALS = CountsStatement(_queue_totals)
_STATE_TOTALS = CountsStatement(_state_totals)


def inbox_counts(
    user,
    *,
    queue: str,
    state: str,
    pools: Sequence[MessagePool],
    staff: policy.StaffAccess | None = None,
) -> InboxCounts:
    """The counts for the filter links in two queries, each count stopped past COUNTED_UP_TO,
    so they cost the same whatever the number of conversations."""
    staff = _staff(user, staff)
    staff_shape = policy.staff_shape(staff, Section.MESSAGES)
    values = _inbox_values(staff, queue, pools)
    limit = COUNTED_UP_TO + 1
    queue_totals = _QUEUE_TOTALS.run((*staff_shape, len(pools), state), limit, **values)
    state_totals = _STATE_TOTALS.run((*staff_shape, _queue_kind(queue, pools)), limit, **values)
    queues = [
        QueueCount(QUEUE_ALL, "All", queue_totals[QUEUE_ALL]),
        QueueCount(QUEUE_MINE, "Assigned to me", queue_totals[QUEUE_MINE]),
    ]
    several_clinics = len({pool.organization_id for pool in pools}) > 1
    for index, pool in enumerate(pools):
        label = f"{pool.name} ({pool.organization.name})" if several_clinics else pool.name
        queues.append(QueueCount(str(pool.pk), label, queue_totals[f"pool_{index}"]))
    states = [QueueCount(key, label, state_totals[key]) for key, label in STATES.items()]
    return InboxCounts(queues=queues, states=states)


_WAITING = Statement(
    lambda *staff: conversations_in_scope(policy.staff_template(*staff)).filter(
        _state_conditions()[STATE_WAITING]
    )
)


def inbox_waiting_count(user, *, staff: policy.StaffAccess | None = None) -> int:
    """How many conversations at the user's clinics wait for a reply (the console home card)."""
    staff = _staff(user, staff)
    return _WAITING.count(
        policy.staff_shape(staff, Section.MESSAGES), **policy.staff_values(staff, Section.MESSAGES)
    )


# Time waiting, in words.


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def waiting_in_words(since: dt.datetime | None, now: dt.datetime) -> str:
    """ "2 days 3 hours", "5 hours 10 minutes", "under a minute"; "" when nothing waits."""
    if since is None:
        return ""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours else "")
    if hours:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    if minutes:
        return _plural(minutes, "minute")
    return "under a minute"


@dataclass(frozen=True)
class InboxRow:
    conversation: Conversation
    waiting_for: str


def inbox_rows(conversations: Sequence[Conversation], *, now: dt.datetime) -> list[InboxRow]:
    """One page of the inbox with each row's time waiting in words."""
    return [
        InboxRow(conversation, waiting_in_words(conversation.waiting_since, now))
        for conversation in conversations
    ]


# One conversation.


def _conversation_in_scope(user, conversation_id: uuid.UUID | str) -> Conversation:
    try:
        conversation_uuid = uuid.UUID(str(conversation_id))
    except ValueError as error:
        raise ConversationNotFound from error
    conversation = (
        conversations_in_scope(user)
        .select_related("patient", "pool", "clinician", "assigned_to", "done_by", "organization")
        .filter(pk=conversation_uuid)
        .first()
    )
    if conversation is None:
        raise ConversationNotFound
    return conversation


def _denied_attempts_audited(action: AuditAction) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """An action on a conversation out of the user's scope is a 404 and a "denied" audit event.

    The event is written after the action's transaction has rolled back, so it stays.
    """

    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        @wraps(function)
        def wrapper(user, conversation_id: uuid.UUID | str, *args: Any, **kwargs: Any) -> T:
            try:
                return function(user, conversation_id, *args, **kwargs)
            except ConversationNotFound:
                _audit_denied(user, conversation_id, action)
                raise

        return wrapper

    return decorate


def _audit_denied(user, conversation_id: uuid.UUID | str, action: AuditAction) -> None:
    try:
        conversation_uuid = uuid.UUID(str(conversation_id))
    except ValueError:
        conversation_uuid = None
    found = Conversation.objects.filter(pk=conversation_uuid) if conversation_uuid else None
    patient_id = found.values_list("patient_id", flat=True).first() if found is not None else None
    policy.access_denied_record(
        user,
        patient_id,
        action=action,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=str(conversation_id)[:64],
    )


def _conversation_access(
    user, conversation_id: uuid.UUID | str, action: AuditAction, *, audit: bool = True
) -> tuple[Conversation, policy.PatientAccess]:
    """The conversation in the user's scope and the access to its patient.

    With `audit` the access is recorded at once as `action` on the conversation; without, the
    caller records the one event once it knows what it did (or that it did nothing).
    """
    conversation = _conversation_in_scope(user, conversation_id)
    access = policy.patient_access(
        user,
        conversation.patient_id,
        action=action,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=str(conversation.pk),
        audit=audit,
    )
    return conversation, access


def conversation_colleagues(conversation: Conversation) -> list[User]:
    """The active staff of the conversation's clinic, who may be assigned to it, by name."""
    return list(
        User.objects.filter(
            is_active=True,
            staff_memberships__organization_id=conversation.organization_id,
            staff_memberships__is_active=True,
        )
        .order_by("first_name", "last_name", "username")
        .distinct()[:COLLEAGUES_LIMIT]
    )


@dataclass(frozen=True)
class ThreadEntry:
    """A message or an internal note, in the order they were written."""

    created_at: dt.datetime
    message: Message | None = None
    note: StaffNote | None = None


@dataclass(frozen=True)
class StaffConversation:
    conversation: Conversation
    access: policy.PatientAccess
    thread: list[ThreadEntry]
    truncated: bool
    colleagues: list[User]
    waiting_for: str


def _latest(queryset: QuerySet[Any]) -> tuple[list[Any], bool]:
    """The latest THREAD_LIMIT rows oldest first, and whether older ones were left out."""
    rows = list(queryset.order_by("-created_at", "-pk")[: THREAD_LIMIT + 1])
    return rows[:THREAD_LIMIT][::-1], len(rows) > THREAD_LIMIT


@_denied_attempts_audited(AuditAction.VIEW)
def conversation_open_for_staff(user, conversation_id: uuid.UUID | str) -> StaffConversation:
    """The whole thread for the care team: messages with attachments and internal notes.

    Opening it is an audited view and marks the conversation read by the clinic.
    """
    with transaction.atomic():
        conversation, access = _conversation_access(user, conversation_id, AuditAction.VIEW)
        now = timezone.now()
        Conversation.objects.filter(pk=conversation.pk).update(clinic_read_at=now)
        conversation.clinic_read_at = now
    messages, more_messages = _latest(
        Message.objects.filter(conversation=conversation)
        .select_related("author")
        .prefetch_related("attachments")
    )
    notes, more_notes = _latest(
        StaffNote.objects.filter(conversation=conversation).select_related("author")
    )
    thread = sorted(
        [ThreadEntry(message.created_at, message=message) for message in messages]
        + [ThreadEntry(note.created_at, note=note) for note in notes],
        key=lambda entry: entry.created_at,
    )
    return StaffConversation(
        conversation=conversation,
        access=access,
        thread=thread,
        truncated=more_messages or more_notes,
        colleagues=conversation_colleagues(conversation),
        waiting_for=waiting_in_words(conversation.waiting_since, now),
    )


# Actions.


@_denied_attempts_audited(AuditAction.UPDATE)
def conversation_assign(
    user, conversation_id: uuid.UUID | str, assignee_id: int | None
) -> Conversation:
    """Assign the conversation to an active staff member of its clinic, or to no one (None)."""
    with transaction.atomic():
        conversation, _ = _conversation_access(user, conversation_id, AuditAction.UPDATE)
        assignee = None
        if assignee_id is not None:
            assignee = User.objects.filter(
                pk=assignee_id,
                is_active=True,
                pk__in=StaffMembership.objects.filter(
                    organization_id=conversation.organization_id, is_active=True
                ).values("user_id"),
            ).first()
            if assignee is None:
                raise AssignmentRefused
        Conversation.objects.filter(pk=conversation.pk).update(assigned_to=assignee)
        conversation.assigned_to = assignee
    return conversation


@_denied_attempts_audited(AuditAction.CREATE)
def staff_note_add(
    user, conversation_id: uuid.UUID | str, body: str, submission_id: uuid.UUID
) -> StaffNote:
    """Add an internal note; the same form sent twice (same submission id) adds it once."""
    with transaction.atomic():
        conversation, access = _conversation_access(
            user, conversation_id, AuditAction.CREATE, audit=False
        )
        existing = StaffNote.objects.filter(author=user, submission_id=submission_id).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                note = StaffNote.objects.create(
                    conversation=conversation, author=user, body=body, submission_id=submission_id
                )
        except IntegrityError:
            # A concurrent request with the same submission id won the race; return its note.
            return StaffNote.objects.get(author=user, submission_id=submission_id)
        policy.access_record(access, object_type="StaffNote", object_id=note.pk)
        return note


@_denied_attempts_audited(AuditAction.UPDATE)
def conversation_mark_done(user, conversation_id: uuid.UUID | str) -> bool:
    """Mark the conversation handled: nothing waits any more. False if it was already done.

    A later message from the patient's side makes it wait again (see services.message_add).
    """
    with transaction.atomic():
        conversation, access = _conversation_access(
            user, conversation_id, AuditAction.UPDATE, audit=False
        )
        if conversation.done_at is not None:
            return False
        Conversation.objects.filter(pk=conversation.pk).update(
            done_at=timezone.now(), done_by=user, waiting_since=None
        )
        policy.access_record(access, object_id=conversation.pk)
    return True


@_denied_attempts_audited(AuditAction.CREATE)
def conversation_reply(
    user,
    conversation_id: uuid.UUID | str,
    *,
    body: str,
    files: Sequence[UploadedFile] = (),
    submission_id: uuid.UUID,
) -> Message:
    """Send the patient a reply from the clinic (once per submission id).

    message_add stops the wait, marks the thread read by the clinic and notifies the patient; it
    also writes the one audit event, the new message, in the same transaction.
    """
    with transaction.atomic():
        conversation, access = _conversation_access(
            user, conversation_id, AuditAction.CREATE, audit=False
        )
        return messaging_services.message_add(
            access=access,
            conversation=conversation,
            body=body,
            files=files,
            submission_id=submission_id,
        )
