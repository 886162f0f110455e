"""Downloading one lab value that belongs to no report, as a PDF and as a FHIR R4 Bundle."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class
from pypdf import PdfReader

from lantern.audit.models import AuditAction, AuditEvent
from lantern.clinical import models as clinical
from lantern.interop.fhir_import import import_paths
from lantern.testing.auth import sign_in
from lantern.testing.factories import EncounterFactory, ObservationFactory, PractitionerFactory

from .test_round_trip import rows

pytestmark = pytest.mark.django_db

TAKEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def standalone_a1c(patient: clinical.Patient) -> clinical.Observation:
    doctor = PractitionerFactory(given_names="Maya", family_name="Okafor")
    visit = EncounterFactory(patient=patient, practitioner=doctor, period_start=TAKEN)
    return ObservationFactory(
        patient=patient,
        encounter=visit,
        display="Hemoglobin A1c",
        effective_at=TAKEN,
        issued_at=TAKEN,
        value_quantity=7.9,
        reference_low=4.0,
        reference_high=5.6,
        # The range as the importer keeps it besides the columns.
        reference_ranges=[{"low": {"value": 4.0}, "high": {"value": 5.6}}],
        note="Higher than last time.",
    )


def url(name: str, user, observation: clinical.Observation) -> str:
    return reverse(
        f"downloads:observation_{name}",
        kwargs={"patient_id": user.patient_id, "observation_id": observation.pk},
    )


def test_a_lab_value_downloads_as_a_pdf_with_value_range_flag_clinician_and_comment(alice):
    observation = standalone_a1c(alice.patient)

    response = sign_in(Client(), alice).get(url("pdf", alice, observation))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="test-result.pdf"'
    assert "no-store" in response["Cache-Control"].split(", ")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for words in ("Hemoglobin A1c", "7.9 %", "4 to 5.6 %", "High", "Maya Okafor", "last time"):
        assert words in text


def test_a_lab_value_downloads_as_a_valid_bundle_with_the_observation_and_the_patient(alice):
    observation = standalone_a1c(alice.patient)

    response = sign_in(Client(), alice).get(url("json", alice, observation))

    assert response["Content-Type"] == "application/fhir+json"
    bundle = json.loads(response.content)
    get_fhir_model_class("Bundle").model_validate(bundle)
    types = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    assert types.count("Observation") == 1 and types.count("Patient") == 1
    assert "DiagnosticReport" not in types
    value = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
    assert value["fullUrl"] == f"urn:uuid:{observation.pk}"


def test_the_lab_value_bundle_imports_back_to_the_same_observation(alice, tmp_path):
    observation = standalone_a1c(alice.patient)
    content = sign_in(Client(), alice).get(url("json", alice, observation)).content
    path = tmp_path / "result.json"
    path.write_bytes(content)

    report = import_paths([path], source_system="b", workers=1)

    assert not report.failed, report.failed
    imported = rows(clinical.Observation, "b")
    assert imported == {
        observation.fhir_id: rows(clinical.Observation, "test")[observation.fhir_id]
    }


@pytest.mark.parametrize("name", ["pdf", "json"])
def test_a_lab_value_download_is_audited_and_closed_to_other_patients(alice, charlie, name):
    observation = standalone_a1c(charlie.patient)
    client = sign_in(Client(), alice)

    assert client.get(url(name, charlie, observation)).status_code == 404
    assert client.get(url(name, alice, observation)).status_code == 404

    own = standalone_a1c(alice.patient)
    assert client.get(url(name, alice, own)).status_code == 200
    event = AuditEvent.objects.filter(patient=alice.patient).latest("occurred_at", "id")
    assert (event.action, event.object_type) == (AuditAction.EXPORT, "Observation")
