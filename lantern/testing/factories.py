"""factory_boy factories for tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.utils import timezone

from lantern.access.models import (
    ProxyKind,
    ProxyPermission,
    ProxyRelationship,
    ProxyStatus,
    StaffMembership,
    StaffRole,
)
from lantern.accounts.models import User
from lantern.clinical import models as clinical


class SourcedFactory(factory.django.DjangoModelFactory):
    source_system = "test"
    fhir_id = factory.LazyFunction(lambda: str(uuid.uuid4()))

    class Meta:
        abstract = True


class OrganizationFactory(SourcedFactory):
    name = factory.Sequence(lambda n: f"Clinic {n}")

    class Meta:
        model = clinical.Organization


class PractitionerFactory(SourcedFactory):
    prefix = "Dr."
    given_names = factory.Faker("first_name")
    family_name = factory.Faker("last_name")

    class Meta:
        model = clinical.Practitioner


class PatientFactory(SourcedFactory):
    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    given_names = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    birth_date = dt.date(1980, 1, 1)
    sex = clinical.AdministrativeSex.FEMALE
    managing_organization = factory.SubFactory(OrganizationFactory)

    class Meta:
        model = clinical.Patient


class EncounterFactory(SourcedFactory):
    patient = factory.SubFactory(PatientFactory)
    status = clinical.EncounterStatus.FINISHED
    class_code = "AMB"
    type_display = "Office visit"
    period_start = factory.LazyFunction(timezone.now)

    class Meta:
        model = clinical.Encounter


class ObservationFactory(SourcedFactory):
    patient = factory.SubFactory(PatientFactory)
    status = clinical.ObservationStatus.FINAL
    category = clinical.ObservationCategory.LABORATORY
    code_system = "http://loinc.org"
    code = "4548-4"
    display = "Hemoglobin A1c/Hemoglobin.total in Blood"
    value_quantity = 5.4
    value_unit = "%"
    effective_at = factory.LazyFunction(timezone.now)
    # The type the values given say, as an import would store it.
    value_type = factory.LazyAttribute(
        lambda o: clinical.inferred_value_type(
            number=o.value_quantity,
            code=getattr(o, "value_code", ""),
            code_display=getattr(o, "value_code_display", ""),
            text=getattr(o, "value_string", ""),
        )
    )

    class Meta:
        model = clinical.Observation


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
    code_system = "http://loinc.org"
    code = "24323-8"
    display = "Comprehensive metabolic panel"
    effective_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = clinical.DiagnosticReport


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")

    class Meta:
        model = User
        skip_postgeneration_save = True


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = StaffRole.CLINICIAN

    class Meta:
        model = StaffMembership


class ProxyRelationshipFactory(factory.django.DjangoModelFactory):
    """An active caregiver relationship with full permissions, from a year ago, open-ended."""

    proxy = factory.SubFactory(UserFactory)
    patient = factory.SubFactory(PatientFactory)
    kind = ProxyKind.CAREGIVER
    permissions = int(ProxyPermission.FULL)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    status = ProxyStatus.ACTIVE
    granted_at = factory.LazyFunction(timezone.now)
    reason = "Helps with appointments and medicines"

    class Meta:
        model = ProxyRelationship
