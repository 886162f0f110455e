"""Test results: observations (lab values, vital signs) and the reports that group them."""

from __future__ import annotations

from django.db import models

from .base import choices_constraint
from .directory import Practitioner
from .record import CodedFields, EncounterRecord


class ObservationStatus(models.TextChoices):
    REGISTERED = "registered", "Registered"
    PRELIMINARY = "preliminary", "Preliminary"
    FINAL = "final", "Final"
    AMENDED = "amended", "Amended"
    CORRECTED = "corrected", "Corrected"
    CANCELLED = "cancelled", "Cancelled"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"
    UNKNOWN = "unknown", "Unknown"


class ObservationCategory(models.TextChoices):
    LABORATORY = "laboratory", "Lab"
    VITAL_SIGNS = "vital-signs", "Vital signs"
    IMAGING = "imaging", "Imaging"
    SOCIAL_HISTORY = "social-history", "Social history"
    SURVEY = "survey", "Survey"
    EXAM = "exam", "Exam"
    PROCEDURE = "procedure", "Procedure"
    THERAPY = "therapy", "Therapy"
    ACTIVITY = "activity", "Activity"
    OTHER = "other", "Other"


class ObservationValueType(models.TextChoices):
    """The FHIR type of an observation's value (`value[x]`), kept so the export writes it back."""

    QUANTITY = "quantity", "Quantity"
    INTEGER = "integer", "Integer"
    BOOLEAN = "boolean", "Yes or no"
    STRING = "string", "Text"
    CODEABLE_CONCEPT = "codeable-concept", "Coded"
    RATIO = "ratio", "Ratio"
    RANGE = "range", "Range"
    PERIOD = "period", "Period"
    TIME = "time", "Time"
    DATE_TIME = "date-time", "Date and time"
    SAMPLED_DATA = "sampled-data", "Sampled data"


# The FHIR element of each value type (`valueQuantity` ...), for import and export alike.
VALUE_ELEMENTS = {
    ObservationValueType.QUANTITY: "valueQuantity",
    ObservationValueType.INTEGER: "valueInteger",
    ObservationValueType.BOOLEAN: "valueBoolean",
    ObservationValueType.STRING: "valueString",
    ObservationValueType.CODEABLE_CONCEPT: "valueCodeableConcept",
    ObservationValueType.RATIO: "valueRatio",
    ObservationValueType.RANGE: "valueRange",
    ObservationValueType.PERIOD: "valuePeriod",
    ObservationValueType.TIME: "valueTime",
    ObservationValueType.DATE_TIME: "valueDateTime",
    ObservationValueType.SAMPLED_DATA: "valueSampledData",
}
# The types whose value has no flat column and is kept in `value_data` as the source gave it.
STRUCTURED_VALUE_TYPES = frozenset(
    {
        ObservationValueType.BOOLEAN,
        ObservationValueType.RATIO,
        ObservationValueType.RANGE,
        ObservationValueType.PERIOD,
        ObservationValueType.SAMPLED_DATA,
    }
)


def inferred_value_type(*, number: float | None, code: str, code_display: str, text: str) -> str:
    """The type a value written without one holds (by hand, or imported before types were
    kept): a number is a quantity, a code a coded value, text a string; "" for no value."""
    if number is not None:
        return ObservationValueType.QUANTITY
    if code or code_display:
        return ObservationValueType.CODEABLE_CONCEPT
    if text:
        return ObservationValueType.STRING
    return ""


class Observation(EncounterRecord, CodedFields):
    """One measured or observed value: a lab value, a vital sign, a survey answer.

    The code is LOINC where the source says so. The value is of the FHIR type the source gave
    (`value_type`): a quantity or an integer in `value_quantity` (so trends, flags and sorting
    read one number), text, a time or a date-time in `value_string`, a coded answer in the
    `value_code*` columns, and a yes/no, ratio, range, period or sampled data in `value_data`.
    Blood pressure and other panels carry their parts in `components`.
    """

    RESOURCE_TYPE = "Observation"

    status = models.CharField(max_length=20, choices=ObservationStatus.choices)
    category = models.CharField(max_length=20, choices=ObservationCategory.choices)
    effective_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    # Blank for no value; the migration that added it typed the values stored before.
    value_type = models.CharField(
        max_length=20, choices=ObservationValueType.choices, blank=True, default=""
    )
    value_quantity = models.FloatField(null=True, blank=True)
    value_unit = models.CharField(max_length=60, blank=True)
    # The unit's UCUM code where the source gave one that differs from its text (unit "mcg/mL",
    # code "ug/mL"); blank when the text is the code, or the source gave no UCUM code.
    value_unit_code = models.CharField(max_length=60, blank=True, default="")
    value_string = models.TextField(blank=True)
    value_code_system = models.CharField(max_length=200, blank=True)
    value_code = models.CharField(max_length=64, blank=True)
    value_code_display = models.CharField(max_length=300, blank=True)
    # A value of a type in STRUCTURED_VALUE_TYPES as the source gave it: true or false, or the
    # FHIR element ({"numerator": {...}, "denominator": {...}} for a ratio, and so on).
    value_data = models.JSONField(null=True, blank=True, default=None)
    reference_low = models.FloatField(null=True, blank=True)
    reference_high = models.FloatField(null=True, blank=True)
    reference_text = models.CharField(max_length=300, blank=True)
    # HL7 v3 ObservationInterpretation: N normal, H high, L low, HH/LL critical, A abnormal ...
    interpretation = models.CharField(max_length=10, blank=True)
    interpretation_display = models.CharField(max_length=100, blank=True)
    # The columns above hold the first range and interpretation, which the flags read. These
    # hold every one: each range as the source gave it (low, high, type, appliesTo, age, text),
    # each interpretation as {"code": "H", "display": "High"}. Empty for records written
    # before they were kept (the columns then say all Lantern knows).
    reference_ranges = models.JSONField(default=list, blank=True)
    interpretations = models.JSONField(default=list, blank=True)
    # [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure",
    #   "value_type": "quantity", "value": 120.0, "unit": "mm[Hg]", "unit_code": "", "text": ""}];
    # "unit_code" as `value_unit_code`; a coded value's display in "text" with "value_system"
    # and "value_code"; a value of a structured type in "value_data", as `value_data`; a part's
    # own ranges and interpretations, where it has any, as given in "reference_ranges" and
    # "interpretations".
    # Components stored before systems were kept have no "system" key, and before types were
    # kept no "value_type".
    components = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    performer = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.SET_NULL, related_name="observations"
    )

    class Meta(EncounterRecord.Meta):
        constraints = [
            *EncounterRecord.Meta.constraints,
            choices_constraint("status", ObservationStatus),
            choices_constraint("category", ObservationCategory),
            choices_constraint("value_type", ObservationValueType, blank=True),
        ]
        indexes = [
            # A patient's values of one test, newest first (trends, result pages).
            models.Index(fields=["patient", "code", "-effective_at"]),
            # A patient's results of one kind, newest first (lists, vitals).
            models.Index(fields=["patient", "category", "-effective_at"]),
        ]

    @property
    def kind_of_value(self) -> str:
        """`value_type`, or for a record written without one the type its columns hold."""
        return self.value_type or inferred_value_type(
            number=self.value_quantity,
            code=self.value_code or self.value_code_system,
            code_display=self.value_code_display,
            text=self.value_string,
        )


class DiagnosticReportStatus(models.TextChoices):
    REGISTERED = "registered", "Registered"
    PARTIAL = "partial", "Partial"
    PRELIMINARY = "preliminary", "Preliminary"
    FINAL = "final", "Final"
    AMENDED = "amended", "Amended"
    CORRECTED = "corrected", "Corrected"
    APPENDED = "appended", "Appended"
    CANCELLED = "cancelled", "Cancelled"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"
    UNKNOWN = "unknown", "Unknown"


class ReportKind(models.TextChoices):
    LABORATORY = "laboratory", "Lab"
    IMAGING = "imaging", "Imaging"
    OTHER = "other", "Other"


class DiagnosticReport(EncounterRecord, CodedFields):
    """A lab panel or an imaging study's report, with its result values and narrative."""

    RESOURCE_TYPE = "DiagnosticReport"

    status = models.CharField(max_length=20, choices=DiagnosticReportStatus.choices)
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    category_system = models.CharField(max_length=200, blank=True, default="")
    category_code = models.CharField(max_length=64, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    conclusion = models.TextField(blank=True)
    # The report as the lab or radiologist wrote it (presentedForm text, decoded).
    presented_text = models.TextField(blank=True)
    performer = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    results = models.ManyToManyField(
        "Observation", through="DiagnosticReportResult", related_name="reports", blank=True
    )

    class Meta(EncounterRecord.Meta):
        constraints = [
            *EncounterRecord.Meta.constraints,
            choices_constraint("status", DiagnosticReportStatus),
            choices_constraint("kind", ReportKind),
        ]
        indexes = [
            models.Index(fields=["patient", "-effective_at"]),
            models.Index(fields=["patient", "kind", "-effective_at"]),
        ]


class DiagnosticReportResult(models.Model):
    """An observation reported in a report, in the order the report lists it."""

    report = models.ForeignKey(DiagnosticReport, on_delete=models.CASCADE, related_name="+")
    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "observation"], name="report_result_unique")
        ]
        ordering = ["report", "position"]
