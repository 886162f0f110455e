"""The inbox of HL7 v2 messages: every message received, stored before it is acknowledged.

An `InboundMessage` keeps the raw bytes as they arrived (the record for audit and replay), what
MSH said about them, and what processing made of them: its status, the ACK code and the ACK sent
(a resend of the same message gets the same ACK back), a reason without health information, and
the patient it was applied to. The database keeps each (sending application, control id) once,
so a message resent by a sender, or sent twice at once, is stored and processed once.

Messages in error or rejected form the console's error queue, where clinic staff match them to a
patient and replay them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lantern.clinical.models import Organization, Patient
from lantern.core.models import PublicIdModel


class MessageStatus(models.TextChoices):
    RECEIVED = "received", "Received"  # Stored, not yet processed (or processing failed hard).
    PROCESSED = "processed", "Processed"  # Applied to the record (AA).
    ERROR = "error", "Error"  # Read but not applied (AE): unknown patient, bad value.
    REJECTED = "rejected", "Rejected"  # Not taken (AR): type not supported, unreadable.


class MessageSource(models.TextChoices):
    LISTENER = "mllp", "MLLP listener"
    FILE = "file", "File import"


# The statuses that put a message in the staff error queue.
QUEUE_STATUSES = (MessageStatus.ERROR, MessageStatus.REJECTED)


class InboundMessage(PublicIdModel):
    """One HL7 v2 message as received, and what became of it."""

    raw = models.BinaryField()
    source = models.CharField(max_length=10, choices=MessageSource.choices)
    # MSH-3 and MSH-4 as sent (all components); MSH-10; MSH-9.1 and MSH-9.2. An unreadable
    # message may have none of them (then control_id is empty and it is never deduplicated).
    sending_application = models.CharField(max_length=255, blank=True)
    sending_facility = models.CharField(max_length=255, blank=True)
    control_id = models.CharField(max_length=199, blank=True)
    message_type = models.CharField(max_length=10, blank=True)
    trigger_event = models.CharField(max_length=10, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.RECEIVED
    )
    ack_code = models.CharField(max_length=2, blank=True)
    # The ACK sent (text); a resend of the message gets exactly this back.
    ack = models.TextField(blank=True)
    # Why it was not processed, without health information (MSA-3, the error queue).
    reason = models.CharField(max_length=255, blank=True)
    error_location = models.CharField(max_length=80, blank=True)
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The clinic whose error queue shows the message: the patient's clinic once one is known,
    # else the clinic its sending facility (MSH-4) names, or the only clinic Lantern serves.
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    replay_count = models.PositiveIntegerField(default=0)
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "pk"]
        constraints = [
            # One message per sender and control id; an unreadable message has no control id.
            models.UniqueConstraint(
                fields=["sending_application", "control_id"],
                condition=~Q(control_id=""),
                name="hl7v2_message_once_per_sender_control_id",
            ),
            models.CheckConstraint(
                condition=Q(status__in=MessageStatus.values), name="hl7v2_message_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=MessageSource.values), name="hl7v2_message_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(ack_code__in=["", "AA", "AE", "AR"]),
                name="hl7v2_message_ack_code_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "organization", "-received_at"], name="hl7v2_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.message_type}^{self.trigger_event} {self.control_id}"

    @property
    def in_queue(self) -> bool:
        return self.status in QUEUE_STATUSES
