"""Factories and helpers for refill tests."""

from __future__ import annotations

import uuid

import factory

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.testing.factories import MedicationRequestFactory, OrganizationFactory

from ..models import ControlledMedicine, Pharmacy


class PharmacyFactory(factory.django.DjangoModelFactory):
    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Main Street Pharmacy {n}")
    address = "1 Main Street, Springfield"
    phone = "555-0100"

    class Meta:
        model = Pharmacy


class ControlledMedicineFactory(factory.django.DjangoModelFactory):
    organization = factory.SubFactory(OrganizationFactory)
    code = "1049621"
    display = "Oxycodone 5 MG Oral Tablet"

    class Meta:
        model = ControlledMedicine


def own_access(user) -> PatientAccess:
    return PatientAccess(user=user, patient=user.patient, role=ActorRole.SELF)


def staff_access(user, patient) -> PatientAccess:
    return PatientAccess(user=user, patient=patient, role=ActorRole.STAFF)


def medication(patient, **fields):
    return MedicationRequestFactory(patient=patient, **fields)


def request_refill(user, medicine, pharmacy, **fields):
    """One refill request made by the patient `user` (returns it)."""
    from ..services import refill_requests_create

    [refill] = refill_requests_create(
        access=own_access(user),
        medication_ids=[medicine.pk],
        pharmacy=pharmacy,
        submission_id=fields.pop("submission_id", uuid.uuid4()),
        **fields,
    )
    return refill
