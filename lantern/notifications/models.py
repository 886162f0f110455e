"""The notifications outbox: every email and text message the portal sends.

A row is written in the same database transaction as the event it announces, so a rolled-back
change sends nothing; the task worker delivers it after commit and retries with backoff. The
subject and body are rendered when the row is written, so delivery needs no other data.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ACTIVATION_LINK = "activation_link", "Activation link"
    ENROLLMENT_DECLINED = "enrollment_declined", "Sign-up request declined"
    EMAIL_VERIFICATION = "email_verification", "Email confirmation link"
    SIGN_IN_CODE = "sign_in_code", "Sign-in code"
    PASSWORD_RESET = "password_reset", "Password reset link"
    USERNAME_REMINDER = "username_reminder", "Username reminder"
    PASSWORD_CHANGED = "password_changed", "Password changed notice"
    NEW_DEVICE_SIGN_IN = "new_device_sign_in", "New device sign-in notice"
    CONTACT_CHANGED = "contact_changed", "Contact details changed notice"
    NEW_MESSAGE = "new_message", "New message notice"
    FAMILY_ACCESS_CHANGING = "family_access_changing", "Family access change notice"
    APPOINTMENT_REMINDER = "appointment_reminder", "Appointment reminder"
    WAITLIST_OFFER = "waitlist_offer", "Earlier appointment offer"
    WAITLIST_OFFER_GONE = "waitlist_offer_gone", "Earlier appointment no longer free notice"
    BOOKING_INVITATION = "booking_invitation", "Invitation to book a visit"
    REFILL_DECIDED = "refill_decided", "Prescription request answered notice"
    SUPPORT_REQUEST_RECEIVED = "support_request_received", "Support request notice to staff"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Gave up"


# Kinds whose message carries a one-time link, code or the username. The admin does not show
# their bodies, so reading the outbox is not a way to take over an account.
KINDS_WITH_SECRETS = frozenset(
    {
        NotificationKind.ACTIVATION_LINK,
        NotificationKind.EMAIL_VERIFICATION,
        NotificationKind.SIGN_IN_CODE,
        NotificationKind.PASSWORD_RESET,
        NotificationKind.USERNAME_REMINDER,
    }
)


class Notification(models.Model):
    """One message to one address on one channel, and where its delivery stands."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)
    to_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    # Attempts started so far; counted when a worker claims the row, so a crash mid-send counts.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When a worker claimed the row; a row left "sending" for long is taken back by the sweep.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The error class and a short message from the last failed attempt, never the body.
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Names the event ("password-reset:<token id>"); a second send for the same event is ignored.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=NotificationChannel.values),
                name="notification_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="notification_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=NotificationStatus.SENT, sent_at__isnull=False)
                    | (~Q(status=NotificationStatus.SENT) & Q(sent_at__isnull=True))
                ),
                name="notification_sent_at_iff_sent",
            ),
            # One event sends at most one email and one text message.
            models.UniqueConstraint(
                fields=["dedupe_key", "channel"],
                condition=Q(dedupe_key__isnull=False),
                name="notification_dedupe_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_channel_display()} ({self.status})"


class DeliveredSms(models.Model):
    """A text message as the default SMS sender "delivered" it: written here, not sent.

    Without an SMS gateway configured, staff and administrators read these in the admin (and
    developers use them to sign in with a texted code).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    to_address = models.CharField(max_length=40)
    body = models.TextField()
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-delivered_at"]
        verbose_name = "delivered text message"
        verbose_name_plural = "delivered text messages"

    def __str__(self) -> str:
        return f"Text message at {self.delivered_at:%Y-%m-%d %H:%M}"


class NotificationEvent(models.TextChoices):
    """Things that happen in a patient's care that the patient may want to hear about.

    Each event has a notice kind (`preferences.EVENT_NOTICES`) and a row per account in
    `NotificationPreference`. A later feature adds an event here, a kind above and its templates.
    """

    NEW_MESSAGE = "new_message", _("A new message from your care team")
    APPOINTMENT_REMINDER = "appointment_reminder", _("A reminder of a coming appointment")
    WAITLIST_OFFER = "waitlist_offer", _("An earlier appointment time you asked for")
    BOOKING_INVITATION = "booking_invitation", _("An invitation from your clinic to book a visit")
    REFILL_DECIDED = "refill_decided", _("An answer to a prescription request")


class NotificationPreference(models.Model):
    """How one account wants to hear about one event. No row means the event's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event = models.CharField(max_length=40, choices=NotificationEvent.choices)
    email = models.BooleanField()
    sms = models.BooleanField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event"], name="notification_preference_unique_per_event"
            ),
            models.CheckConstraint(
                condition=Q(event__in=NotificationEvent.values),
                name="notification_preference_event_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Notification settings for {self.get_event_display()}"
