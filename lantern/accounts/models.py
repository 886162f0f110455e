"""Accounts: the people who sign in to Lantern (patients, proxies, clinic staff), their sessions,
their sign-ins and the one-time links that confirm an email address."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lantern.clinical.models import Patient


class BodyUnits(models.TextChoices):
    """How weight and height are shown: as recorded (kg, cm), or with lb and ft/in beside."""

    METRIC = "metric", _("Metric (kg, cm)")
    US = "us", _("US (lb, ft and in) with metric")


class User(AbstractUser):
    """A person who signs in.

    A patient account is linked to the patient record it belongs to; what else an account may see
    (as a proxy, as clinic staff) is decided by the access layer, never here.
    """

    patient = models.OneToOneField(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    # Set when the account followed the confirmation link sent to `email`; cleared when the
    # address changes. Codes and recovery links go only to a confirmed address.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # A mobile number for sign-in codes by text message, stored as +<country><number>.
    phone = models.CharField(max_length=20, blank=True)
    # Every session that began before this moment is over ("sign out everywhere", a password
    # reset); the session middleware checks it on each request.
    sessions_ended_at = models.DateTimeField(null=True, blank=True)
    # Wrong second-factor codes in a row (a right code sets it back to 0), and when the second
    # step was paused after ACCOUNT_PAUSE_AFTER_FAILURES of them (NIST SP 800-63B 5.2.2). Only a
    # password reset by email or a member of the patient's clinic lifts the pause.
    second_factor_failures = models.PositiveIntegerField(default=0)
    second_factor_paused_at = models.DateTimeField(null=True, blank=True)
    # Units for weight and height; empty follows the clinic's DEFAULT_BODY_UNITS setting.
    body_units = models.CharField(max_length=10, blank=True, choices=BodyUnits.choices)
    # The language of this person's pages, emails and text messages (settings.LANGUAGES);
    # empty follows the browser before the first choice.
    preferred_language = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        db_table = "accounts_user"
        constraints = [
            models.CheckConstraint(
                condition=Q(body_units__in=["", *BodyUnits.values]),
                name="accounts_user_body_units_valid",
            )
        ]

    @property
    def has_verified_email(self) -> bool:
        return bool(self.email and self.email_verified_at)


class EmailVerificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be confirmed"
    USED = "used", "Confirmed"
    REPLACED = "replaced", "Replaced by a newer link"


class EmailVerification(models.Model):
    """A one-time link that confirms the account can read mail sent to `email`.

    Only the SHA-256 of the link's random token is stored. Sending a new link replaces the
    pending one, so at most one link per account works at a time.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_verifications"
    )
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=10,
        choices=EmailVerificationStatus.choices,
        default=EmailVerificationStatus.PENDING,
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EmailVerificationStatus.values),
                name="email_verification_status_valid",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status=EmailVerificationStatus.PENDING),
                name="email_verification_one_pending_per_user",
            ),
            models.CheckConstraint(
                condition=Q(status=EmailVerificationStatus.USED, used_at__isnull=False)
                | (~Q(status=EmailVerificationStatus.USED) & Q(used_at__isnull=True)),
                name="email_verification_used_at_iff_used",
            ),
        ]

    def __str__(self) -> str:
        return f"Email confirmation ({self.status})"


class UserSession(models.Model):
    """One signed-in browser session, as the account's "Where you're signed in" list shows it.

    The session itself lives in Django's session store; its id is kept in the session
    (`lantern.user_session_id`), so it survives the session key being rotated. The key is stored
    only as a SHA-256 hash, for matching by an operator, never to resume a session.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_sessions"
    )
    session_key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    device_label = models.CharField(max_length=200)
    place = models.CharField(max_length=200)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "ended_at"], name="user_session_active_idx")]

    def __str__(self) -> str:
        return f"Session on {self.device_label}"


class SignInEvent(models.Model):
    """A correct password: when, from which device and roughly where, and when (if ever) the
    same session went on to complete the second step.

    Only an event with `second_factor_at` is a sign-in; one without is a password that was
    entered by someone who then did not (or could not) pass the second step.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_events"
    )
    at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    device_label = models.CharField(max_length=200)
    place = models.CharField(max_length=200)
    new_device = models.BooleanField(default=False)
    # The browser it came from; kept so a list can tell a browser the account has fully signed
    # in from before from one it never has.
    device = models.ForeignKey(
        "KnownDevice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sign_in_events",
    )
    second_factor_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "-at"], name="sign_in_event_user_at_idx")]

    def __str__(self) -> str:
        return f"Sign-in on {self.device_label}"

    @property
    def completed(self) -> bool:
        return self.second_factor_at is not None

    @property
    def from_unrecognised_device(self) -> bool:
        """No sign-in from this browser has ever completed the second step.

        Load `device` with select_related before calling this on many events.
        """
        return self.device is None or self.device.last_signed_in_at is None


class KnownDevice(models.Model):
    """A browser the account has signed in from, known by the SHA-256 of its device cookie."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices"
    )
    device_id_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    # The last time a sign-in from this browser completed the second step; None if none has.
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "device_id_hash"], name="known_device_unique_per_user"
            )
        ]

    def __str__(self) -> str:
        return "Known device"


class PasswordFailureCount(models.Model):
    """Wrong passwords in a row for one username, and when its password step was paused after
    ACCOUNT_PAUSE_AFTER_FAILURES of them (NIST SP 800-63B 5.2.2).

    Kept for any username typed on the sign-in page, real or not, so a paused unknown username
    answers exactly like a paused account. The username is kept only as a keyed hash
    (`selectors.username_digest`), so names people mistype or invent are not stored. A right
    password deletes the row; a pause is lifted only by a password reset by email or by staff.
    """

    username_digest = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    last_failed_at = models.DateTimeField()

    def __str__(self) -> str:
        return "Wrong passwords in a row"
