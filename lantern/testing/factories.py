"""factory_boy factories for tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.utils import timezone

from lantern.access.models import StaffMembership, StaffRole
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

    class Meta:
        model = clinical.Observation


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
