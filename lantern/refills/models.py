"""Prescription refills: a patient's request for more of a medicine, shaped like a FHIR `Task`.

A `RefillRequest` is a Task whose focus is the prescription (`MedicationRequest`) and whose
`for` is the patient. Its status follows the Task's (requested → approved | denied | cancelled;
approved → completed), and only `services.py` moves it; the database refuses any other value, a
denial without a reason, and a second waiting request for the same medicine. `business_status`
holds the pharmacy's progress once the clinic has sent it on ("sent to the pharmacy", "ready to
collect"). Every change is one `RefillRequestEvent`, so the patient sees the history with times.

The clinic keeps its list of pharmacies (`Pharmacy`) and of medicines it never refills online
(`ControlledMedicine`); a patient keeps their own pharmacies, one of them the default
(`PatientPharmacy`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lantern.audit.models import ActorRole
from lantern.clinical.models import MedicationRequest, Organization, Patient
from lantern.core.models import PublicIdModel


class Pharmacy(PublicIdModel):
    """A pharmacy on the clinic's list, which patients may choose to collect medicines from."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="pharmacies"
    )
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # A pharmacy that closed stays on past requests but is no longer offered.
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "pharmacies"

    def __str__(self) -> str:
        return self.name


class PatientPharmacy(models.Model):
    """A pharmacy a patient saved to their list; at most one of them is their default."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="saved_pharmacies")
    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.CASCADE, related_name="+")
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_default", "created_at", "pk"]
        verbose_name_plural = "patient pharmacies"
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "pharmacy"], name="patient_pharmacy_saved_once"
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(is_default=True),
                name="patient_pharmacy_one_default",
            ),
        ]

    def __str__(self) -> str:
        return f"Saved pharmacy {self.pharmacy_id}"


class ControlledMedicine(models.Model):
    """A medicine the clinic does not refill online (a controlled substance): patients are asked
    to call the clinic instead. Matched on the prescription's code system and code."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="controlled_medicines"
    )
    code_system = models.CharField(
        max_length=200, default="http://www.nlm.nih.gov/research/umls/rxnorm"
    )
    code = models.CharField(max_length=100)
    display = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["display", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code_system", "code"],
                name="controlled_medicine_once_per_clinic",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="controlled_medicine_has_code"),
        ]

    def __str__(self) -> str:
        return self.display or self.code


class RefillKind(models.TextChoices):
    # More of the same prescription (refills are left).
    REFILL = "refill", _("Refill")
    # A new prescription from the prescriber (no refills are left).
    RENEWAL = "renewal", _("Renewal")


class RefillStatus(models.TextChoices):
    """The Task's status, in the patient's words."""

    REQUESTED = "requested", pgettext_lazy("refill status", "Waiting for the clinic")
    APPROVED = "approved", pgettext_lazy("refill status", "Approved")
    DENIED = "denied", pgettext_lazy("refill status", "Not approved")
    CANCELLED = "cancelled", pgettext_lazy("refill status", "Cancelled")
    COMPLETED = "completed", pgettext_lazy("refill status", "Completed")


class PharmacyProgress(models.TextChoices):
    """What happened after approval, as the pharmacy or the clinic reports it.

    The Task's businessStatus.
    """

    SENT = "sent-to-pharmacy", pgettext_lazy("refill status", "Sent to the pharmacy")
    READY = "ready-to-collect", pgettext_lazy("refill status", "Ready to collect")
    COLLECTED = "collected", pgettext_lazy("refill status", "Collected")


REQUESTER_ROLES = (ActorRole.SELF, ActorRole.PROXY)


class RefillRequest(PublicIdModel):
    """A request to refill or renew one prescription (a FHIR Task on a MedicationRequest)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="refill_requests")
    # The clinic whose queue holds it: the patient's clinic when it was made.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="refill_requests"
    )
    medication = models.ForeignKey(
        MedicationRequest, on_delete=models.CASCADE, related_name="refill_requests"
    )
    kind = models.CharField(max_length=10, choices=RefillKind.choices)
    status = models.CharField(
        max_length=12, choices=RefillStatus.choices, default=RefillStatus.REQUESTED
    )
    business_status = models.CharField(max_length=20, choices=PharmacyProgress.choices, blank=True)
    # Why it was not approved, in words the patient reads (required when denied).
    status_reason = models.TextField(blank=True)
    pharmacy = models.ForeignKey(
        Pharmacy, null=True, blank=True, on_delete=models.PROTECT, related_name="refill_requests"
    )
    comment = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="refill_requests"
    )
    requested_by_role = models.CharField(max_length=10, choices=ActorRole.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="refill_requests_assigned",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="refill_requests_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The form's one-time id: sending the same form twice finds the requests it made.
    submission_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RefillStatus.values), name="refill_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RefillKind.values), name="refill_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(business_status__in=[*PharmacyProgress.values, ""]),
                name="refill_business_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(requested_by_role__in=[role.value for role in REQUESTER_ROLES]),
                name="refill_requested_by_role_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=RefillStatus.DENIED) | ~Q(status_reason=""),
                name="refill_denied_has_reason",
            ),
            # At most one waiting request per prescription, whoever asks.
            models.UniqueConstraint(
                fields=["medication"],
                condition=Q(status=RefillStatus.REQUESTED),
                name="refill_one_open_per_medication",
            ),
            models.UniqueConstraint(
                fields=["requested_by", "submission_id", "medication"],
                name="refill_submission_once",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "created_at"], name="refill_queue"),
            models.Index(fields=["medication", "-created_at"], name="refill_latest"),
            models.Index(fields=["patient", "status"], name="refill_patient_status"),
        ]

    def __str__(self) -> str:
        return f"Refill request {self.pk}"

    @property
    def is_waiting(self) -> bool:
        return self.status == RefillStatus.REQUESTED


class RefillRequestEvent(models.Model):
    """One step in a request's history: made, approved, not approved, cancelled, sent on."""

    refill_request = models.ForeignKey(
        RefillRequest, on_delete=models.CASCADE, related_name="events"
    )
    status = models.CharField(max_length=12, choices=RefillStatus.choices)
    business_status = models.CharField(max_length=20, choices=PharmacyProgress.choices, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_role = models.CharField(max_length=10, choices=ActorRole.choices)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RefillStatus.values), name="refill_event_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(business_status__in=[*PharmacyProgress.values, ""]),
                name="refill_event_business_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["refill_request", "at"], name="refill_event_history")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} at {self.at:%Y-%m-%d %H:%M}"
