"""Factories for the health-summary records the shared factories do not cover yet."""

from __future__ import annotations

import factory
from django.utils import timezone

from lantern.clinical import models as clinical
from lantern.testing.factories import PatientFactory, SourcedFactory


class ConditionFactory(SourcedFactory):
    patient = factory.SubFactory(PatientFactory)
    display = "Essential hypertension"
    code = "59621000"
    clinical_status = clinical.ConditionClinicalStatus.ACTIVE
    onset_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = clinical.Condition


class MedicationRequestFactory(SourcedFactory):
    patient = factory.SubFactory(PatientFactory)
    display = "Lisinopril 10 MG Oral Tablet"
    status = clinical.MedicationRequestStatus.ACTIVE
    intent = "order"
    authored_at = factory.LazyFunction(timezone.now)
    dosage_text = "Take 1 tablet by mouth once a day"
    refills_allowed = 3

    class Meta:
        model = clinical.MedicationRequest


class AllergyFactory(SourcedFactory):
    patient = factory.SubFactory(PatientFactory)
    display = "Peanut"
    clinical_status = clinical.AllergyClinicalStatus.ACTIVE
    criticality = clinical.AllergyCriticality.HIGH
    recorded_at = factory.LazyFunction(timezone.now)
    reactions = factory.LazyFunction(lambda: [{"manifestation": "Hives", "severity": "mild"}])

    class Meta:
        model = clinical.AllergyIntolerance


class ImmunizationFactory(SourcedFactory):
    patient = factory.SubFactory(PatientFactory)
    display = "Influenza, seasonal, injectable"
    code = "140"
    status = clinical.ImmunizationStatus.COMPLETED
    occurred_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = clinical.Immunization


class DocumentFactory(SourcedFactory):
    patient = factory.SubFactory(PatientFactory)
    status = clinical.DocumentStatus.CURRENT
    title = "Visit summary"
    date = factory.LazyFunction(timezone.now)
    content_type = "text/plain"
    content_text = "Blood pressure is well controlled."

    class Meta:
        model = clinical.DocumentReference


class DiagnosticReportFactory(SourcedFactory):
    patient = factory.SubFactory(PatientFactory)
    status = clinical.DiagnosticReportStatus.FINAL
    kind = clinical.ReportKind.LABORATORY
    display = "Lipid panel"
    effective_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = clinical.DiagnosticReport
