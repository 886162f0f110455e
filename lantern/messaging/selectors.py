"""Reads for secure messages. Each takes the PatientAccess the view was granted.

Every query is limited to `access.patient`; for staff, also to conversations at one of their
clinics. Anything outside that is "not found", like a patient outside the policy.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from lantern.access.models import Section, StaffMembership, StaffRole
from lantern.access.policy import (
    PatientAccess,
    access_template,
    access_values,
    conversations_visible,
    object_get,
    object_get_statement,
)
from lantern.accounts.models import User
from lantern.audit.models import ActorRole, AuditAction
from lantern.clinical.models import Patient
from lantern.core.statements import Param, Statement, StatementRows, param_for

from .models import Attachment, AuthorRole, Conversation, ConversationStatus, Message, MessagePool

# A thread shows this many messages at a time: the latest first, earlier ones on further pages.
THREAD_PAGE_SIZE = 50
UNKNOWN_RECIPIENT = gettext_lazy("Choose who to send your message to from the list.")


class ConversationNotFound(Http404):
    """The conversation does not exist or belongs to someone else; the two look the same."""


class ConversationFilter:
    """The list's filter values (`?show=`)."""

    ALL = "all"
    OPEN = "open"
    CLOSED = "closed"
    CHOICES = (ALL, OPEN, CLOSED)


def _conversations(access: PatientAccess) -> QuerySet[Conversation]:
    return conversations_visible(access, Conversation.objects.filter(patient=access.patient))


def _conversation_list(staff: bool, show: str) -> QuerySet[Conversation]:
    conversations = _conversations(access_template(ActorRole.STAFF if staff else ActorRole.SELF))
    if show == ConversationFilter.OPEN:
        conversations = conversations.filter(status=ConversationStatus.OPEN)
    elif show == ConversationFilter.CLOSED:
        conversations = conversations.filter(status=ConversationStatus.CLOSED)
    return conversations.select_related("pool", "clinician").order_by("-last_message_at", "-pk")


# The list and its count, built once per process for each shape (lantern/core/statements.py):
# a page's bounds, whether the access is staff's, and the filter.
_CONVERSATION_LIST = Statement(lambda start, stop, *shape: _conversation_list(*shape)[start:stop])
_CONVERSATION_COUNT = Statement(_conversation_list)


def conversations_for_patient(
    *, access: PatientAccess, show: str = ConversationFilter.ALL
) -> StatementRows:
    """The patient's conversations, latest activity first, with what the list shows joined in
    (for a Paginator: each page is one statement, the count another)."""
    if show not in ConversationFilter.CHOICES:
        show = ConversationFilter.ALL
    return StatementRows(
        _CONVERSATION_LIST,
        _CONVERSATION_COUNT,
        (access.role == ActorRole.STAFF, show),
        **access_values(access),
    )


def conversation_for_access(
    *, access: PatientAccess, conversation_id: uuid.UUID, record: bool = False
) -> Conversation:
    """One conversation of the patient; another's is "not found" and audited as denied.

    With `record`, opening it is audited as a view. Without, the service that then changes it
    (a reply, closing) writes the event.
    """
    conversation = object_get_statement(
        access,
        _CONVERSATION,
        conversation_id,
        model=Conversation,
        shape=(access.role == ActorRole.STAFF,),
        values=access_values(access),
        action=AuditAction.VIEW if record else None,
        record=record,
    )
    # Only the access's patient's conversations are found: no need to read the patient again.
    conversation.patient = access.patient
    return conversation


def _conversation(staff: bool) -> QuerySet[Conversation]:
    access = access_template(ActorRole.STAFF if staff else ActorRole.SELF)
    return (
        _conversations(access)
        .select_related("pool", "clinician")
        .filter(pk=Param("id", Conversation._meta.pk))
        .order_by()[:1]
    )


# One conversation, as the access sees it, built once per process (lantern/core/statements.py);
# its shape: whether the access is staff's (who see only their clinics' conversations).
_CONVERSATION = Statement(_conversation)


def unread_for_patient(access: PatientAccess) -> QuerySet[Conversation]:
    """The patient's conversations with a reply from the care team they have not opened."""
    return Conversation.objects.filter(
        patient=access.patient, last_message_role=AuthorRole.STAFF
    ).filter(Q(patient_read_at__isnull=True) | Q(patient_read_at__lt=F("last_message_at")))


def unread_counts(*, accesses: list[PatientAccess]) -> dict[Any, int]:
    """How many conversations of each person have a reply from the care team not yet opened
    (`unread_for_patient`), several people at once, by patient id (one query); only the people
    whose access opens their messages are counted."""
    opened = [access for access in accesses if access.may(Section.MESSAGES)]
    if not opened:
        return {}
    rows = _UNREAD_OF.rows(
        (len(opened),),
        **{f"patient{index}": access.patient.pk for index, access in enumerate(opened)},
    )
    return {row["patient_id"]: row["unread"] for row in rows}


def _unread_of(count: int) -> QuerySet:
    # The people are those `people_for` granted, each opening their messages (as
    # `records_for_people` keeps them): their patient keys are the `Param`s "patient0"...
    patients = [Param(f"patient{index}", Patient._meta.pk) for index in range(count)]
    return (
        Conversation.objects.filter(patient__pk__in=patients)
        .filter(last_message_role=AuthorRole.STAFF)
        .filter(Q(patient_read_at__isnull=True) | Q(patient_read_at__lt=F("last_message_at")))
        .order_by()
        .values("patient_id")
        .annotate(unread=Count("pk"))
    )


# The counts of the people an account cares for, built once per process
# (lantern/core/statements.py); the shape: how many people.
_UNREAD_OF = Statement(_unread_of)


# Recipients.


@dataclass(frozen=True)
class Recipient:
    """Someone a patient may write to: a pool or a clinician at their clinic."""

    key: str
    label: str
    pool: MessagePool | None = None
    clinician: User | None = None


# The clinic's recipients, built once per process (lantern/core/statements.py): the clinic is a
# value.
_POOLS = Statement(
    lambda: MessagePool.objects.filter(
        organization=param_for(MessagePool, "organization"), is_active=True
    )
)
_CLINICIANS = Statement(
    lambda: (
        StaffMembership.objects.filter(
            organization=param_for(StaffMembership, "organization"),
            role=StaffRole.CLINICIAN,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__pk")
    )
)


def recipients_for(*, access: PatientAccess) -> list[Recipient]:
    """Active pools of the patient's clinic, then its active clinicians (two queries)."""
    organization_id = access.patient.managing_organization_id
    if organization_id is None:
        return []
    pools = _POOLS.objects(organization=organization_id)
    memberships = _CLINICIANS.objects(organization=organization_id)
    return [
        *(Recipient(key=f"pool:{pool.pk}", label=pool.name, pool=pool) for pool in pools),
        *(
            Recipient(
                key=f"clinician:{membership.user.pk}",
                label=person_name(membership.user),
                clinician=membership.user,
            )
            for membership in memberships
        ),
    ]


def recipient_for(*, access: PatientAccess, key: str) -> Recipient:
    """The recipient a form chose, checked against the patient's list; ValidationError if not."""
    for recipient in recipients_for(access=access):
        if recipient.key == key:
            return recipient
    raise ValidationError(UNKNOWN_RECIPIENT, code="recipient")


def person_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def recipient_label(conversation: Conversation) -> str:
    """Who a conversation is addressed to, in words (needs pool and clinician joined)."""
    if conversation.pool is not None:
        return conversation.pool.name
    if conversation.clinician is not None:
        return person_name(conversation.clinician)
    return _("Your care team")


# The thread.


@dataclass(frozen=True)
class ThreadMessage:
    message: Message
    author_label: str
    is_own: bool
    attachments: list[Attachment]


@dataclass(frozen=True)
class Thread:
    conversation: Conversation
    recipient: str
    # The page of messages shown, oldest first; page 1 holds the latest ones.
    page: Page
    messages: list[ThreadMessage]


def _messages() -> QuerySet[Message]:
    return Message.objects.filter(conversation=param_for(Message, "conversation"))


# A thread's queries, built once per process (lantern/core/statements.py): a page of messages,
# their count and their files.
_MESSAGES = Statement(
    lambda start, stop: (
        _messages().select_related("author").order_by("-created_at", "-pk")[start:stop]
    )
)
_MESSAGES_COUNT = Statement(_messages)
_ATTACHMENTS = Statement(
    lambda count: Attachment.objects.filter(
        message__pk__in=[Param(f"message{index}", Message._meta.pk) for index in range(count)]
    )
)


class _ThreadMessages:
    """A thread's messages as a Paginator slices them: each slice, and the count, a statement."""

    ordered = True

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation

    def __getitem__(self, index: slice) -> list[Message]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("Only slices of the thread are read.")
        return _MESSAGES.objects((index.start or 0, index.stop), conversation=self.conversation.pk)

    def count(self) -> int:
        return _MESSAGES_COUNT.count(conversation=self.conversation.pk)


def _attachments_of(messages: list[Message]) -> dict[Any, list[Attachment]]:
    """The files of each message, in one query (none for no messages)."""
    if not messages:
        return {}
    found = _ATTACHMENTS.objects(
        (len(messages),),
        **{f"message{index}": message.pk for index, message in enumerate(messages)},
    )
    by_message: dict[Any, list[Attachment]] = {}
    for attachment in found:
        by_message.setdefault(attachment.message_id, []).append(attachment)
    return by_message


def thread_for(*, access: PatientAccess, conversation_id: uuid.UUID, page: str | None) -> Thread:
    """A conversation and one page of its messages with authors and files (constant queries).

    Showing the thread is audited as a view of the conversation.
    """
    conversation = conversation_for_access(
        access=access, conversation_id=conversation_id, record=True
    )
    shown = Paginator(_ThreadMessages(conversation), THREAD_PAGE_SIZE).get_page(page)
    latest_first = list(shown.object_list)
    attachments = _attachments_of(latest_first)
    titles = _staff_titles(conversation, latest_first)
    return Thread(
        conversation=conversation,
        recipient=recipient_label(conversation),
        page=shown,
        messages=[
            ThreadMessage(
                message=message,
                author_label=_author_label(access, message, titles),
                is_own=message.author_id == access.user.pk,
                attachments=attachments.get(message.pk, []),
            )
            for message in reversed(latest_first)
        ],
    )


def _staff_titles(conversation: Conversation, messages: list[Message]) -> dict[int, str]:
    """ "Nurse", "Clinician"... for the staff authors on the page, from their clinic roles."""
    staff_ids = {m.author_id for m in messages if m.author_role == AuthorRole.STAFF}
    if not staff_ids:
        return {}
    memberships = StaffMembership.objects.filter(
        user_id__in=staff_ids, organization_id=conversation.organization_id
    ).values_list("user_id", "role")
    titles = {
        StaffRole.NURSE: pgettext("title before a name", "Nurse"),
        StaffRole.CLINICIAN: pgettext("title before a name", "Dr."),
    }
    return {user_id: titles.get(role, "") for user_id, role in memberships}


def _author_label(access: PatientAccess, message: Message, titles: dict[int, str]) -> str:
    if message.author_id == access.user.pk:
        return _("You")
    name = person_name(message.author)
    if message.author_role == AuthorRole.STAFF:
        title = titles.get(message.author_id, "")
        if title:
            return _("%(title)s %(name)s, Care team") % {"title": title, "name": name}
        return _("%(name)s, Care team") % {"name": name}
    if message.author_role == AuthorRole.PROXY:
        return _("%(name)s, for %(patient)s") % {
            "name": name,
            "patient": access.patient.display_name,
        }
    return name


def attachment_for_access(*, access: PatientAccess, attachment_id: uuid.UUID) -> Attachment:
    """A file of one of the patient's conversations; another's is "not found", audited as denied.

    Not audited when found: the view records the download once the file is open.
    """
    return object_get(
        access,
        Attachment.objects.filter(message__conversation__in=_conversations(access)),
        attachment_id,
        owner_field="message__conversation__patient_id",
        record=False,
    )
