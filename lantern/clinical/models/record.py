"""The patient's health record: visits, problems, allergies, immunizations, medicines, procedures,
documents. Each mirrors a FHIR R4 resource."""

from __future__ import annotations

from django.db import models

from .base import SourcedRecord, choices_constraint
from .directory import Location, Organization, Practitioner
from .patient import Patient


class DatePrecision(models.TextChoices):
    """How much of a date the source gave without a time (a FHIR date, a partial dateTime)."""

    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"


class PatientRecord(SourcedRecord):
    """A record about one patient; deleting the patient deletes it."""

    # Every patient record has a composite index that starts with the patient (patient, date...),
    # which serves the foreign key too, so the single-column index would only slow imports.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="%(class)ss", db_index=False
    )
    # Date fields whose value the source gave without a time ("2011-04-30", "2011-05", "1990"),
    # by field name: {"onset_at": "month"}. Such a value is stored at midnight UTC on its first
    # day and is a calendar date, never shifted by time zone; a field not named is an instant.
    date_precisions = models.JSONField(default=dict, blank=True)

    class Meta(SourcedRecord.Meta):
        abstract = True


class RecordReasons:
    """Why a medicine was prescribed or a procedure done: every reason the source gave.

    `reasons` holds them in the source's order, each with the name to show: a reason code as
    the CodeableConcept given (`{"name": ..., "concept": {...}}`), a reference as the record it
    names (`{"name": ..., "resource_type": "Condition", "fhir_id": ...}`), or by its display
    alone when the record it named is not kept (`{"name": ...}`). `reason_display` is the first
    one's name, kept for records written before reasons were.
    """

    reasons: list[dict]
    reason_display: str

    @property
    def reason_names(self) -> list[str]:
        names = [reason["name"] for reason in self.reasons or [] if reason.get("name")]
        return names or ([self.reason_display] if self.reason_display else [])


class CodedFields(models.Model):
    """The main code of a record (SNOMED CT, LOINC, RxNorm, CVX ...) and its display text."""

    code_system = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=64, blank=True)
    display = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display or self.code


class DateTexts(models.Model):
    """Dates the source gave as words, not as a date (`occurrenceString "Fall 2012"`).

    By the date field the words stand for: {"occurred_at": "Fall 2012"}. Such a field holds no
    date; pages and PDFs show the words as given and the export writes them back as the string.
    """

    date_texts = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class EncounterStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ARRIVED = "arrived", "Arrived"
    TRIAGED = "triaged", "Triaged"
    IN_PROGRESS = "in-progress", "In progress"
    ON_LEAVE = "onleave", "On leave"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"
    UNKNOWN = "unknown", "Unknown"


class Encounter(PatientRecord):
    """A visit: an appointment, an emergency visit, a hospital stay."""

    RESOURCE_TYPE = "Encounter"

    status = models.CharField(max_length=20, choices=EncounterStatus.choices)
    # Each code with the system the source gave it in ("" when it gave none): FHIR reads a code
    # only as the pair of system and code.
    class_system = models.CharField(max_length=200, blank=True, default="")
    class_code = models.CharField(max_length=20, blank=True)
    type_system = models.CharField(max_length=200, blank=True, default="")
    type_code = models.CharField(max_length=64, blank=True)
    type_display = models.CharField(max_length=300, blank=True)
    reason_system = models.CharField(max_length=200, blank=True, default="")
    reason_code = models.CharField(max_length=64, blank=True)
    reason_display = models.CharField(max_length=300, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.SET_NULL, related_name="encounters"
    )
    service_provider = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="encounters"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="encounters"
    )

    class Meta(PatientRecord.Meta):
        constraints = [
            *PatientRecord.Meta.constraints,
            choices_constraint("status", EncounterStatus),
        ]
        indexes = [models.Index(fields=["patient", "-period_start"])]


class EncounterRecord(PatientRecord):
    """A record made during a visit."""

    encounter = models.ForeignKey(
        Encounter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(PatientRecord.Meta):
        abstract = True


class ConditionClinicalStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RECURRENCE = "recurrence", "Came back"
    RELAPSE = "relapse", "Came back"
    INACTIVE = "inactive", "Inactive"
    REMISSION = "remission", "In remission"
    RESOLVED = "resolved", "Resolved"


class Condition(EncounterRecord, CodedFields, DateTexts):
    """A health problem or diagnosis."""

    RESOURCE_TYPE = "Condition"

    clinical_status = models.CharField(
        max_length=20, choices=ConditionClinicalStatus.choices, blank=True
    )
    verification_status = models.CharField(max_length=30, blank=True)
    category = models.CharField(max_length=40, blank=True)
    onset_at = models.DateTimeField(null=True, blank=True)
    abated_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta(EncounterRecord.Meta):
        constraints = [
            *EncounterRecord.Meta.constraints,
            choices_constraint("clinical_status", ConditionClinicalStatus, blank=True),
        ]
        indexes = [models.Index(fields=["patient", "-onset_at"])]


class AllergyClinicalStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    RESOLVED = "resolved", "Resolved"


class AllergyCriticality(models.TextChoices):
    LOW = "low", "Low risk"
    HIGH = "high", "High risk"
    UNABLE_TO_ASSESS = "unable-to-assess", "Unable to assess"


class AllergyIntolerance(EncounterRecord, CodedFields, DateTexts):
    RESOURCE_TYPE = "AllergyIntolerance"

    clinical_status = models.CharField(
        max_length=20, choices=AllergyClinicalStatus.choices, blank=True
    )
    verification_status = models.CharField(max_length=30, blank=True)
    allergy_type = models.CharField(max_length=20, blank=True)
    categories = models.JSONField(default=list, blank=True)
    criticality = models.CharField(max_length=20, choices=AllergyCriticality.choices, blank=True)
    onset_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    # [{"manifestation": "Hives", "severity": "mild"}, ...]
    reactions = models.JSONField(default=list, blank=True)

    class Meta(EncounterRecord.Meta):
        constraints = [
            *EncounterRecord.Meta.constraints,
            choices_constraint("clinical_status", AllergyClinicalStatus, blank=True),
            choices_constraint("criticality", AllergyCriticality, blank=True),
        ]
        indexes = [models.Index(fields=["patient", "-recorded_at"])]


class ImmunizationStatus(models.TextChoices):
    COMPLETED = "completed", "Given"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"
    NOT_DONE = "not-done", "Not given"


class Immunization(EncounterRecord, CodedFields, DateTexts):
    """A vaccine given (or not given). The code is the vaccine's (CVX)."""

    RESOURCE_TYPE = "Immunization"

    status = models.CharField(max_length=20, choices=ImmunizationStatus.choices)
    occurred_at = models.DateTimeField(null=True, blank=True)
    primary_source = models.BooleanField(null=True, blank=True)
    lot_number = models.CharField(max_length=100, blank=True)

    class Meta(EncounterRecord.Meta):
        constraints = [
            *EncounterRecord.Meta.constraints,
            choices_constraint("status", ImmunizationStatus),
        ]
        indexes = [models.Index(fields=["patient", "-occurred_at"])]


class MedicationRequestStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ON_HOLD = "on-hold", "On hold"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"
    STOPPED = "stopped", "Stopped"
    DRAFT = "draft", "Draft"
    UNKNOWN = "unknown", "Unknown"


class MedicationRequest(RecordReasons, EncounterRecord, CodedFields):
    """A prescription. The code is the medicine's (RxNorm)."""

    RESOURCE_TYPE = "MedicationRequest"

    status = models.CharField(max_length=20, choices=MedicationRequestStatus.choices)
    intent = models.CharField(max_length=20, blank=True)
    authored_at = models.DateTimeField(null=True, blank=True)
    prescriber = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.SET_NULL, related_name="prescriptions"
    )
    dosage_text = models.TextField(blank=True)
    as_needed = models.BooleanField(default=False)
    # The FHIR Dosage elements as the source gave them (timing, doseAndRate, asNeeded, route
    # ...), so a dosage without text can be said in words and exported back exactly.
    dosage_instructions = models.JSONField(default=list, blank=True)
    refills_allowed = models.PositiveIntegerField(null=True, blank=True)
    reason_display = models.CharField(max_length=300, blank=True)
    reasons = models.JSONField(default=list, blank=True)

    class Meta(EncounterRecord.Meta):
        constraints = [
            *EncounterRecord.Meta.constraints,
            choices_constraint("status", MedicationRequestStatus),
        ]
        indexes = [models.Index(fields=["patient", "status", "-authored_at"])]


class ProcedureStatus(models.TextChoices):
    PREPARATION = "preparation", "Preparation"
    IN_PROGRESS = "in-progress", "In progress"
    NOT_DONE = "not-done", "Not done"
    ON_HOLD = "on-hold", "On hold"
    STOPPED = "stopped", "Stopped"
    COMPLETED = "completed", "Completed"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"
    UNKNOWN = "unknown", "Unknown"


class Procedure(RecordReasons, EncounterRecord, CodedFields, DateTexts):
    RESOURCE_TYPE = "Procedure"

    status = models.CharField(max_length=20, choices=ProcedureStatus.choices)
    performed_start = models.DateTimeField(null=True, blank=True)
    performed_end = models.DateTimeField(null=True, blank=True)
    reason_display = models.CharField(max_length=300, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="procedures"
    )

    class Meta(EncounterRecord.Meta):
        constraints = [
            *EncounterRecord.Meta.constraints,
            choices_constraint("status", ProcedureStatus),
        ]
        indexes = [models.Index(fields=["patient", "-performed_start"])]


class DocumentStatus(models.TextChoices):
    CURRENT = "current", "Current"
    SUPERSEDED = "superseded", "Replaced"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"


class DocumentReference(EncounterRecord, CodedFields):
    """A document: a visit summary, a letter, a scanned form. The code is its type (LOINC)."""

    RESOURCE_TYPE = "DocumentReference"

    status = models.CharField(max_length=20, choices=DocumentStatus.choices)
    category_display = models.CharField(max_length=200, blank=True)
    date = models.DateTimeField(null=True, blank=True)
    description = models.TextField(blank=True)
    author = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    title = models.CharField(max_length=300, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # Text content carried inline, decoded with the charset its content type names.
    content_text = models.TextField(blank=True)
    content_url = models.CharField(max_length=500, blank=True)
    # Other content carried inline (a PDF, a scan) is kept as a file under PRIVATE_FILES_ROOT,
    # named by its SHA-256 (lantern.clinical.document_files), and served only as a download.
    content_file = models.CharField(max_length=80, blank=True)
    content_size = models.PositiveIntegerField(null=True, blank=True)

    class Meta(EncounterRecord.Meta):
        constraints = [
            *EncounterRecord.Meta.constraints,
            choices_constraint("status", DocumentStatus),
        ]
        indexes = [models.Index(fields=["patient", "-date"])]
