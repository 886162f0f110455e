"""The patient: the person a record is about."""

from __future__ import annotations

from django.db import models

from .base import AddressFields, SourcedRecord, choices_constraint, person_display_name
from .directory import Organization


class AdministrativeSex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Patient(SourcedRecord, AddressFields):
    RESOURCE_TYPE = "Patient"

    # The medical record number: on import, the identifier whose type is MR.
    mrn = models.CharField("MRN", max_length=64, blank=True, db_index=True)
    prefix = models.CharField(max_length=40, blank=True)
    given_names = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    suffix = models.CharField(max_length=40, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=AdministrativeSex.choices, blank=True)
    deceased = models.BooleanField(default=False)
    deceased_at = models.DateTimeField(null=True, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.CharField(max_length=254, blank=True)
    preferred_language = models.CharField(max_length=20, blank=True)
    preferred_language_display = models.CharField(max_length=100, blank=True)
    # The clinic whose staff look after this patient in Lantern.
    managing_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="patients"
    )
    identifiers = models.JSONField(default=list, blank=True)
    # Dates the source gave at less than full precision, by field name, as on every patient
    # record (PatientRecord.date_precisions): {"birth_date": "year", "deceased_at": "day"}.
    date_precisions = models.JSONField(default=dict, blank=True)

    class Meta(SourcedRecord.Meta):
        ordering = ["family_name", "given_names"]
        constraints = [
            *SourcedRecord.Meta.constraints,
            choices_constraint("sex", AdministrativeSex, blank=True),
        ]
        indexes = [models.Index(fields=["family_name", "birth_date"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return person_display_name(self.prefix, self.given_names, self.family_name, self.suffix)
