"""Every health summary page costs the same number of queries for a small and a large record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.testing.factories import DocumentFactory, EncounterFactory

from .conftest import add_observations, add_records, queries_for

pytestmark = pytest.mark.django_db


def test_every_record_page_costs_the_same_with_10_and_with_2000_observations(alice_client, alice):
    patient = alice.patient
    visit = EncounterFactory(patient=patient)
    document = DocumentFactory(patient=patient)
    pages = [
        reverse(f"record:{name}", kwargs={"patient_id": patient.pk})
        for name in (
            "index",
            "problems",
            "medications",
            "allergies",
            "immunizations",
            "vitals",
            "procedures",
            "visits",
            "documents",
        )
    ]
    pages += [
        reverse("record:visit", kwargs={"patient_id": patient.pk, "visit_id": visit.pk}),
        reverse("record:document", kwargs={"patient_id": patient.pk, "document_id": document.pk}),
        reverse("audit:access_log", kwargs={"patient_id": patient.pk}),
    ]
    add_observations(patient, 10, encounter=visit)
    add_records(patient, 3)
    few = [queries_for(alice_client, page) for page in pages]

    add_observations(patient, 1990, encounter=visit)
    add_records(patient, 120)
    many = [queries_for(alice_client, page) for page in pages]

    assert many == few
