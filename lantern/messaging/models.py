"""Secure messages between a patient (or someone acting for them) and their clinic.

A conversation belongs to one patient and goes to one place at the clinic: a pool (e.g.
"Nursing") or one clinician. Messages are what both sides see; staff notes live in their own
table, so no query for the patient's side can return one. Attachments are files kept under
PRIVATE_FILES_ROOT and served only through the access layer.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from lantern.clinical.models import Organization, Patient


class MessagePool(models.Model):
    """A shared inbox at a clinic that patients can write to ("Nursing", "Billing questions")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="message_pools"
    )
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="message_pool_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ConversationStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class AuthorRole(models.TextChoices):
    PATIENT = "patient", "Patient"
    PROXY = "proxy", "Proxy"
    STAFF = "staff", "Care team"


# The clinic's inbox states as SQL, shared by the inbox's filters and the partial indexes that
# serve them: each index holds only the conversations in its state, so counting or listing a
# state reads those and not every conversation the clinic ever had (lantern/messaging/inbox.py).
WAITING_FOR_CLINIC = Q(
    status=ConversationStatus.OPEN, waiting_since__isnull=False, done_at__isnull=True
)
# The SQL form of Conversation.unread_by_clinic, which the table also keeps as a stored column
# (`clinic_unread`): PostgreSQL cannot estimate how many rows compare two columns (it guesses a
# third), and with that guess it counts a clinic's unread conversations by walking all of them.
_UNREAD_BY_CLINIC = ~Q(last_message_role=AuthorRole.STAFF) & (
    Q(clinic_read_at__isnull=True) | Q(clinic_read_at__lt=F("last_message_at"))
)
UNREAD_BY_CLINIC = Q(clinic_unread=True)
DONE_BY_CLINIC = Q(done_at__isnull=False)


class Conversation(models.Model):
    """A thread about one patient, addressed to a pool or to one clinician.

    The clinic-side state (`waiting_since`, `clinic_read_at`, `assigned_to`, `done_at`) and the
    patient-side state (`patient_read_at`, `status`) are kept here so inbox and list pages need
    no per-row queries.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="conversations")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="conversations"
    )
    subject = models.CharField(max_length=120)
    # Exactly one of pool / clinician (a staff account at `organization`).
    pool = models.ForeignKey(
        MessagePool, null=True, blank=True, on_delete=models.PROTECT, related_name="conversations"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="addressed_conversations",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    status = models.CharField(
        max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="started_conversations",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The form's one-time submission id: a repeated POST finds the conversation it made.
    submission_id = models.UUIDField()
    last_message_at = models.DateTimeField(default=timezone.now)
    last_message_role = models.CharField(max_length=10, choices=AuthorRole.choices)
    # Who wrote the first message: a conversation the care team started reads "New message" and
    # "From your care team" to the patient, not "New reply" and "Answered".
    started_by_role = models.CharField(
        max_length=10, choices=AuthorRole.choices, default=AuthorRole.PATIENT
    )
    # Set when the patient's side wrote and the clinic has not answered or marked it done.
    waiting_since = models.DateTimeField(null=True, blank=True)
    # When someone at the clinic / on the patient's side last opened the thread.
    clinic_read_at = models.DateTimeField(null=True, blank=True)
    patient_read_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # Kept by the database from the columns above; Python code reads `unread_by_clinic`, which
    # is current before the row is read again.
    clinic_unread = models.GeneratedField(
        expression=_UNREAD_BY_CLINIC, output_field=models.BooleanField(), db_persist=True
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ConversationStatus.values),
                name="conversation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(last_message_role__in=AuthorRole.values),
                name="conversation_last_role_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(pool__isnull=False, clinician__isnull=True)
                    | Q(pool__isnull=True, clinician__isnull=False)
                ),
                name="conversation_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["created_by", "submission_id"], name="conversation_submission_once"
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-last_message_at"], name="conversation_patient"),
            models.Index(
                fields=["organization", "status", "-last_message_at"], name="conversation_inbox"
            ),
            models.Index(
                fields=["organization", "waiting_since"],
                condition=WAITING_FOR_CLINIC,
                name="conversation_waiting",
            ),
            models.Index(
                fields=["organization", "-last_message_at"],
                condition=UNREAD_BY_CLINIC,
                name="conversation_unread",
            ),
            models.Index(
                fields=["organization", "-last_message_at"],
                condition=DONE_BY_CLINIC,
                name="conversation_done",
            ),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk}"

    @property
    def started_by_clinic(self) -> bool:
        return self.started_by_role == AuthorRole.STAFF

    @property
    def is_answered(self) -> bool:
        """The clinic wrote last: the patient is not waiting for an answer."""
        return self.last_message_role == AuthorRole.STAFF

    @property
    def unread_by_patient(self) -> bool:
        return self.last_message_role == AuthorRole.STAFF and (
            self.patient_read_at is None or self.patient_read_at < self.last_message_at
        )

    @property
    def unread_by_clinic(self) -> bool:
        return self.last_message_role != AuthorRole.STAFF and (
            self.clinic_read_at is None or self.clinic_read_at < self.last_message_at
        )


class Message(models.Model):
    """One message in a conversation, seen by both sides."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_written"
    )
    author_role = models.CharField(max_length=10, choices=AuthorRole.choices)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    submission_id = models.UUIDField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(author_role__in=AuthorRole.values), name="message_author_role_valid"
            ),
            models.UniqueConstraint(
                fields=["author", "submission_id"], name="message_submission_once"
            ),
        ]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_thread")]

    def __str__(self) -> str:
        return f"Message {self.pk}"


class StaffNote(models.Model):
    """A note about a conversation for the care team only. The patient's side never reads it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="staff_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    submission_id = models.UUIDField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submission_id"], name="staff_note_submission_once"
            )
        ]

    def __str__(self) -> str:
        return f"Staff note {self.pk}"


class Attachment(models.Model):
    """A file sent with a message: an image or a PDF, its type found from its content.

    `storage_name` is a random name under PRIVATE_FILES_ROOT; `filename` is the sender's name for
    it, cleaned, shown on the page and used only in Content-Disposition.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "filename"]

    def __str__(self) -> str:
        return self.filename
