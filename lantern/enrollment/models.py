"""Enrollment: activation codes, sign-up requests and the terms of use a patient accepts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lantern.clinical.models import Organization, Patient


class ActivationCodeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    USED = "used", "Used"
    REVOKED = "revoked", "Revoked"
    LOCKED = "locked", "Locked after too many wrong tries"


class ActivationCode(models.Model):
    """A one-time code a clinic gives a patient so they can create their account.

    Only a keyed hash of the code is stored (`code_hash`), so the code itself never rests in the
    database; the hash is deterministic so that the code a patient types can be looked up.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=10, choices=ActivationCodeStatus.choices, default=ActivationCodeStatus.ACTIVE
    )
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issued_activation_codes",
    )
    # The random key of the form that issued the code, so a double-clicked "Issue" acts once.
    issue_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActivationCodeStatus.values),
                name="enrollment_activation_code_status_valid",
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status=ActivationCodeStatus.ACTIVE),
                name="enrollment_one_active_code_per_patient",
            ),
            models.CheckConstraint(
                condition=~Q(status=ActivationCodeStatus.USED) | Q(used_at__isnull=False),
                name="enrollment_used_code_has_used_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Activation code {self.pk} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class EnrollmentRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class EnrollmentRequest(models.Model):
    """Someone without a code asked for an account; staff match it to a patient record."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_names = models.CharField(max_length=200)
    family_name = models.CharField(max_length=200)
    birth_date = models.DateField()
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40)
    # The clinic the person asked; only its staff may see the request. Requests sent before
    # clinics were chosen have none (see selectors.enrollment_requests_visible_to).
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollment_requests",
    )
    status = models.CharField(
        max_length=10,
        choices=EnrollmentRequestStatus.choices,
        default=EnrollmentRequestStatus.PENDING,
    )
    # The random key of the sign-up form, so a double-clicked "Send" creates one request.
    submission_key = models.CharField(max_length=64, unique=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_enrollment_requests",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    patient = models.ForeignKey(
        Patient,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrollment_requests",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(
                fields=["organization", "status", "-created_at"],
                name="enrollment_request_org_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EnrollmentRequestStatus.values),
                name="enrollment_request_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=EnrollmentRequestStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=EnrollmentRequestStatus.PENDING) & Q(decided_at__isnull=False)),
                name="enrollment_request_decided_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"Enrollment request {self.pk} ({self.status})"


class TermsVersion(models.Model):
    """One version of the terms of use. The current version is the newest published one."""

    version = models.CharField(max_length=40, unique=True)
    body = models.TextField()
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return f"Terms of use {self.version}"


class TermsAcceptance(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances"
    )
    version = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "version"], name="enrollment_terms_accepted_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.version}"
