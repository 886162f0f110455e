"""The relationships that give an account access to patients' records."""

from __future__ import annotations

import enum

from django.conf import settings
from django.db import models
from django.db.models import Q

from lantern.clinical.models import Organization


class StaffRole(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    NURSE = "nurse", "Nurse"
    FRONT_DESK = "front_desk", "Front desk"
    ADMINISTRATOR = "administrator", "Administrator"


class StaffMembership(models.Model):
    """A staff member works for an organization (a clinic) and may see its patients."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    role = models.CharField(max_length=20, choices=StaffRole.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="staff_membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=StaffRole.values), name="staff_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.organization} ({self.get_role_display()})"


class Section(models.TextChoices):
    """The parts of a patient's record an access may open. Every patient page names one."""

    RECORD = "record", "Health record"
    RESULTS = "results", "Test results"
    # Visit notes and documents: kept from parents of 12 to 17 year olds by default.
    NOTES = "notes", "Notes and documents"
    MESSAGES = "messages", "Messages"
    APPOINTMENTS = "appointments", "Appointments"
    MEDICATIONS = "medications", "Medications and refills"
    DOWNLOADS = "downloads", "Downloads"
    # Who has looked at the record: the patient's own and their care team's.
    ACCESS_LOG = "access_log", "Who looked at the record"
    # Name, birth date, contact details: what the front desk works with.
    DEMOGRAPHICS = "demographics", "Personal details"


class ProxyPermission(enum.IntFlag):
    """What a proxy relationship allows, stored as one number (a set of these flags)."""

    RECORD = 1  # The health record and test results (notes and documents too).
    MESSAGES = 2
    APPOINTMENTS = 4
    MEDICATIONS = 8  # Medications and refill requests.
    DOWNLOADS = 16
    FULL = RECORD | MESSAGES | APPOINTMENTS | MEDICATIONS | DOWNLOADS


PROXY_PERMISSION_WORDS = {
    ProxyPermission.RECORD: "Health record and test results",
    ProxyPermission.MESSAGES: "Messages",
    ProxyPermission.APPOINTMENTS: "Appointments",
    ProxyPermission.MEDICATIONS: "Medications and refills",
    ProxyPermission.DOWNLOADS: "Downloads",
}


class ProxyKind(models.TextChoices):
    PARENT = "parent", "Parent or guardian of a child"
    LEGAL_GUARDIAN = "legal_guardian", "Legal guardian"
    POWER_OF_ATTORNEY = "power_of_attorney", "Power of attorney"
    CAREGIVER = "caregiver", "Caregiver"


class ProxyStatus(models.TextChoices):
    PENDING = "pending", "Invitation sent"
    ACTIVE = "active", "Active"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Ended"
    EXPIRED = "expired", "Expired"


# A relationship in these states is "live": at most one per proxy and patient.
LIVE_PROXY_STATUSES = (ProxyStatus.PENDING, ProxyStatus.ACTIVE)


class ProxyRelationship(models.Model):
    """One account acts for one patient, as far as `permissions` allow, between two dates.

    Whether it gives access today is decided in `policy.py` alone, on every request, from the
    status, the dates and the patient's age; nothing here is trusted on its own.
    """

    # Empty while an invitation waits for someone to accept it.
    proxy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="proxy_relationships",
    )
    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.CASCADE, related_name="proxy_relationships"
    )
    kind = models.CharField(max_length=20, choices=ProxyKind.choices)
    permissions = models.PositiveSmallIntegerField(default=int(ProxyPermission.FULL))
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ProxyStatus.choices, default=ProxyStatus.PENDING
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proxy_relationships_granted",
    )
    granted_at = models.DateTimeField()
    # Why: "Mother of the patient", "Daughter helping after surgery".
    reason = models.CharField(max_length=300)
    # What staff checked before granting ("Photo ID and birth certificate"); blank when the
    # patient invited the proxy themselves.
    identity_checked = models.CharField(max_length=300, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proxy_relationships_ended",
    )
    end_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ProxyKind.values), name="proxy_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=ProxyStatus.values), name="proxy_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(permissions__gte=1, permissions__lte=int(ProxyPermission.FULL)),
                name="proxy_permissions_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="proxy_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProxyStatus.ACTIVE) | Q(proxy__isnull=False),
                name="proxy_active_has_account",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ProxyStatus.REVOKED, ProxyStatus.DECLINED])
                | Q(ended_at__isnull=False),
                name="proxy_ended_has_time",
            ),
            models.UniqueConstraint(
                fields=["proxy", "patient"],
                condition=Q(status__in=LIVE_PROXY_STATUSES, proxy__isnull=False),
                name="proxy_one_live_per_pair",
            ),
        ]
        indexes = [models.Index(fields=["proxy", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for patient {self.patient_id} ({self.status})"

    @property
    def permission_set(self) -> ProxyPermission:
        return ProxyPermission(self.permissions)


class ProxyInvitation(models.Model):
    """A single-use, expiring link that lets its holder accept a pending relationship.

    Only a hash of the token is kept; the link itself exists only in the email.
    """

    relationship = models.OneToOneField(
        ProxyRelationship, on_delete=models.CASCADE, related_name="invitation"
    )
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Invitation for relationship {self.relationship_id}"
