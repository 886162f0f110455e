"""Writes for secure messages: starting a conversation, adding a message, closing, reading.

Every function takes the PatientAccess the access layer granted and checks that the conversation
belongs to that patient. Sending is idempotent: each form carries a one-time `submission_id`, and
sending it again (a double click, a browser retry) returns what the first send made. Files are
checked before anything is written, and a file written for a transaction that rolls back is
deleted again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.access import policy
from lantern.access.models import Section
from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole, AuditAction

from .attachments import (
    CheckedFile,
    StoredFile,
    attachment_store,
    attachments_check,
    attachments_folder,
)
from .attachments import attachments_remove as _files_remove
from .models import Attachment, AuthorRole, Conversation, ConversationStatus, Message
from .selectors import ConversationNotFound, recipient_for

AUTHOR_ROLES: dict[str, AuthorRole] = {
    ActorRole.SELF: AuthorRole.PATIENT,
    ActorRole.PROXY: AuthorRole.PROXY,
    ActorRole.STAFF: AuthorRole.STAFF,
}
NO_CLINIC = _(
    "Your record is not linked to a clinic yet, so messages cannot be sent. Call your clinic."
)

EMPTY_BODY = _("Write your message.")
# A file this old with no row is not part of a transaction still running.
ORPHAN_AGE = dt.timedelta(hours=1)

__all__ = [
    "ConversationNotFound",
    "attachment_orphans_remove",
    "conversation_close",
    "conversation_mark_read",
    "conversation_start",
    "message_add",
]


def author_role_for(access: PatientAccess) -> AuthorRole:
    """The message role of the acting account; connected apps and the system do not write."""
    try:
        return AUTHOR_ROLES[access.role]
    except KeyError:
        raise PermissionError(f"Role {access.role!r} cannot write messages.") from None


def _check_body(body: str) -> None:
    if not body.strip():
        raise ValidationError(EMPTY_BODY, code="body")


def _check_owned(access: PatientAccess, conversation: Conversation) -> None:
    policy.section_require(access, Section.MESSAGES)
    if conversation.patient_id != access.patient.pk:
        raise ConversationNotFound


# Starting a conversation.


def conversation_start(
    *,
    access: PatientAccess,
    recipient: str,
    subject: str,
    body: str,
    files: Sequence[UploadedFile] = (),
    submission_id: uuid.UUID,
) -> Conversation:
    """Start a conversation with its first message, in one transaction, audited as the message.

    `recipient` is a key from `selectors.recipients_for` ("pool:<uuid>" / "clinician:<pk>"),
    checked again here. Sending the same `submission_id` twice returns the first conversation.
    Raises ValidationError (nothing written) for an unknown recipient or a bad file.
    """
    policy.section_require(access, Section.MESSAGES)
    existing = _conversation_sent_before(access, submission_id)
    if existing is not None:
        return existing
    author_role = author_role_for(access)
    organization_id = access.patient.managing_organization_id
    if organization_id is None:
        raise ValidationError(NO_CLINIC, code="no_clinic")
    chosen = recipient_for(access=access, key=recipient)
    _check_body(body)
    if not subject.strip():
        raise ValidationError(_("Write a subject."), code="subject")
    checked = attachments_check(files)
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(
                    patient=access.patient,
                    organization_id=organization_id,
                    subject=subject.strip(),
                    pool=chosen.pool,
                    clinician=chosen.clinician,
                    created_by=access.user,
                    created_at=now,
                    submission_id=submission_id,
                    last_message_at=now,
                    last_message_role=author_role,
                    started_by_role=author_role,
                )
        except IntegrityError:
            # The same form was sent twice at once and the other request won: use its result.
            winner = _conversation_sent_before(access, submission_id)
            if winner is None:
                raise
            return winner
        # Audited once, as the message it sends (_message_write): one action, one event.
        _message_write(
            access=access,
            conversation=conversation,
            body=body,
            checked=checked,
            submission_id=submission_id,
        )
    return conversation


def _conversation_sent_before(
    access: PatientAccess, submission_id: uuid.UUID
) -> Conversation | None:
    existing = Conversation.objects.filter(
        created_by=access.user, submission_id=submission_id
    ).first()
    if existing is not None:
        _check_owned(access, existing)
    return existing


# Adding a message.


def message_add(
    *,
    access: PatientAccess,
    conversation: Conversation,
    body: str,
    files: Sequence[UploadedFile] = (),
    submission_id: uuid.UUID,
) -> Message:
    """Add a message to a conversation, from the patient's side or the care team.

    Idempotent per (author, submission_id): a repeat returns the first message and changes
    nothing. Files are checked first (ValidationError naming the file, nothing written). A
    message from the patient's side reopens a closed conversation and makes the clinic's inbox
    wait for an answer; one from the care team stops the wait and notifies the patient's accounts.
    The message is committed when this returns (unless the caller holds a transaction open).
    """
    _check_owned(access, conversation)
    existing = _message_sent_before(access, submission_id)
    if existing is not None:
        return existing
    _check_body(body)
    checked = attachments_check(files)
    return _message_write(
        access=access,
        conversation=conversation,
        body=body,
        checked=checked,
        submission_id=submission_id,
    )


def _message_sent_before(access: PatientAccess, submission_id: uuid.UUID) -> Message | None:
    existing = (
        Message.objects.select_related("conversation")
        .filter(author=access.user, submission_id=submission_id)
        .first()
    )
    if existing is not None and existing.conversation.patient_id != access.patient.pk:
        raise ConversationNotFound
    return existing


def _message_write(
    *,
    access: PatientAccess,
    conversation: Conversation,
    body: str,
    checked: Sequence[CheckedFile],
    submission_id: uuid.UUID,
) -> Message:
    author_role = author_role_for(access)
    stored: list[StoredFile] = []
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    message = Message.objects.create(
                        conversation=conversation,
                        author=access.user,
                        author_role=author_role,
                        body=body.strip(),
                        created_at=timezone.now(),
                        submission_id=submission_id,
                    )
            except IntegrityError:
                winner = _message_sent_before(access, submission_id)
                if winner is None:
                    raise
                return winner
            for file in checked:
                stored.append(attachment_store(file))
            _attachments_create(message, stored)
            _conversation_after_message(conversation, message)
            policy.access_record(
                access, action=AuditAction.CREATE, object_type="Message", object_id=message.pk
            )
            if author_role == AuthorRole.STAFF:
                _patient_notify(conversation, message)
    except BaseException:
        # The rows were rolled back, so nothing points at these files any more.
        _files_remove([file.storage_name for file in stored])
        raise
    return message


def _attachments_create(message: Message, stored: Sequence[StoredFile]) -> None:
    if not stored:
        return
    Attachment.objects.bulk_create(
        [
            Attachment(
                message=message,
                filename=file.checked.filename,
                content_type=file.checked.content_type,
                size=file.size,
                sha256=file.sha256,
                storage_name=file.storage_name,
                created_at=message.created_at,
            )
            for file in stored
        ]
    )


def _conversation_after_message(conversation: Conversation, message: Message) -> None:
    """Move the conversation's state on: who wrote last, who is waiting, who has read it."""
    now = message.created_at
    conversation.last_message_at = now
    conversation.last_message_role = message.author_role
    fields = ["last_message_at", "last_message_role"]
    if message.author_role == AuthorRole.STAFF:
        conversation.waiting_since = None
        conversation.clinic_read_at = now
        fields += ["waiting_since", "clinic_read_at"]
    else:
        conversation.waiting_since = conversation.waiting_since or now
        conversation.patient_read_at = now
        conversation.status = ConversationStatus.OPEN
        conversation.closed_at = None
        conversation.done_at = None
        conversation.done_by = None
        fields += [
            "waiting_since",
            "patient_read_at",
            "status",
            "closed_at",
            "done_at",
            "done_by",
        ]
    conversation.save(update_fields=fields)


def _patient_notify(conversation: Conversation, message: Message) -> None:
    # Imported here: notifications depend on many apps, and messaging must not at import time.
    from lantern.notifications.preferences import NotificationEvent, notify_patient_accounts

    notify_patient_accounts(
        patient=conversation.patient,
        event=NotificationEvent.NEW_MESSAGE,
        dedupe_key=f"message:{message.pk}",
    )


# Files left behind.


def attachment_orphans_remove(*, older_than: dt.timedelta = ORPHAN_AGE) -> int:
    """Delete stored files no attachment row points at; return how many were removed.

    `message_add` deletes its files when its own transaction rolls back, but not when a caller's
    outer transaction rolls back later (Django has no rollback hook). Such files, and temporary
    files of an interrupted write, are swept here (a periodic task). Only files older than
    `older_than` are touched, so a transaction still in progress keeps its files.
    """
    folder = attachments_folder()
    if not folder.is_dir():
        return 0
    cutoff = (timezone.now() - older_than).timestamp()
    old = {path.name: path for path in folder.iterdir() if path.stat().st_mtime < cutoff}
    if not old:
        return 0
    referenced = set(
        Attachment.objects.filter(storage_name__in=list(old)).values_list("storage_name", flat=True)
    )
    orphans = [path for name, path in old.items() if name not in referenced]
    for path in orphans:
        path.unlink(missing_ok=True)
    return len(orphans)


# Closing and reading.


def conversation_close(*, access: PatientAccess, conversation: Conversation) -> Conversation:
    """The patient's side closes the conversation; writing again reopens it."""
    _check_owned(access, conversation)
    if access.role == ActorRole.STAFF:
        raise PermissionError("Only the patient's side closes a conversation.")
    if conversation.status == ConversationStatus.CLOSED:
        return conversation
    with transaction.atomic():
        conversation.status = ConversationStatus.CLOSED
        conversation.closed_at = timezone.now()
        conversation.save(update_fields=["status", "closed_at"])
        policy.access_record(
            access, action=AuditAction.UPDATE, object_type="Conversation", object_id=conversation.pk
        )
    return conversation


def conversation_mark_read(*, access: PatientAccess, conversation: Conversation) -> None:
    """Remember that the patient's side, or the clinic, has seen the conversation up to now."""
    _check_owned(access, conversation)
    now = timezone.now()
    field = "clinic_read_at" if access.role == ActorRole.STAFF else "patient_read_at"
    Conversation.objects.filter(pk=conversation.pk).update(**{field: now})
    setattr(conversation, field, now)
