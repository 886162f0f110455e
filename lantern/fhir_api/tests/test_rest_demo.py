"""The FHIR API on the demo record (Synthea bundles): every resource of every type it serves is
valid FHIR (fhir.resources), and the US Core searches return exactly the records they name."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from lantern.accounts.models import User
from lantern.audit.models import ActorRole
from lantern.clinical import models as clinical
from lantern.demo.services import DEMO_PATIENT_FHIR_ID, DEMO_SOURCE_SYSTEM
from lantern.fhir_api.resources import TYPES
from lantern.fhir_api.testing import connected_app_token
from lantern.refills.models import RefillKind, RefillRequest
from lantern.testing.factories import ConditionFactory, DocumentFactory

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"
LAB = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"


@pytest.fixture
def demo(settings, tmp_path: Path):
    """The demo patient's account and record, with what the Synthea record lacks (a refill
    request, a document, a problem-list entry), and a token for an app that may read all."""
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    patient = clinical.Patient.objects.get(
        source_system=DEMO_SOURCE_SYSTEM, fhir_id=DEMO_PATIENT_FHIR_ID
    )
    user = User.objects.get(patient=patient)
    RefillRequest.objects.create(
        patient=patient,
        organization=patient.managing_organization,
        medication=clinical.MedicationRequest.objects.filter(patient=patient).first(),
        kind=RefillKind.REFILL,
        requested_by=user,
        requested_by_role=ActorRole.SELF,
        submission_id=uuid.uuid4(),
    )
    DocumentFactory(
        patient=patient,
        code_system="http://loinc.org",
        code="34133-9",
        display="Summary of episode note",
        category_display="Clinical Note",
    )
    ConditionFactory(patient=patient, category="problem-list-item")
    return {"patient": patient, "token": connected_app_token(user, patient, "patient/*.rs")}


def every_page(url: str, token: str) -> list[dict]:
    """Every entry of a search, following its next links."""
    entries: list[dict] = []
    urls = [url]
    while urls:
        response = Client().get(urls.pop(), HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, response.content
        bundle = json.loads(response.content)
        entries += bundle.get("entry", [])
        urls += [link["url"] for link in bundle["link"] if link["relation"] == "next"]
    return entries


def ids(entries: list[dict]) -> set[str]:
    return {entry["resource"]["id"] for entry in entries if entry["search"]["mode"] == "match"}


def pks(queryset) -> set[str]:
    return {str(pk) for pk in queryset.values_list("pk", flat=True)}


def test_every_resource_of_every_type_on_the_demo_record_is_valid_fhir(demo):
    token = demo["token"]
    seen: dict[str, int] = {}
    for name in TYPES:
        for entry in every_page(f"{BASE}{name}?_count=100", token):
            resource = entry["resource"]
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
            assert entry["fullUrl"].endswith(f"/fhir/r4/{name}/{resource['id']}")
            seen[name] = seen.get(name, 0) + 1
        one = next(iter(every_page(f"{BASE}{name}?_count=1", token)))["resource"]
        read = Client().get(f"{BASE}{name}/{one['id']}", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert json.loads(read.content) == one

    assert set(seen) == set(TYPES), (
        f"types with nothing on the demo record: {set(TYPES) - set(seen)}"
    )
    everything = every_page(f"{BASE}Patient/{demo['patient'].pk}/$everything?_count=100", token)
    assert len(everything) == sum(seen.values())


def test_the_us_core_searches_return_exactly_the_records_they_name(demo):
    token = demo["token"]
    patient = demo["patient"]
    observations = clinical.Observation.objects.filter(patient=patient)
    cholesterol = observations.filter(code="2093-3")
    assert cholesterol.exists()

    def search(query: str) -> set[str]:
        return ids(every_page(f"{BASE}{query}&_count=100", token))

    assert search(f"Observation?patient={patient.pk}&code=http://loinc.org|2093-3") == pks(
        cholesterol
    )
    assert search(f"Observation?patient={patient.pk}&category={LAB}") == pks(
        observations.filter(category="laboratory")
    )
    year = cholesterol.order_by("effective_at").last().effective_at.year
    assert search(f"Observation?patient={patient.pk}&category={LAB}&date=ge{year}-01-01") == pks(
        observations.filter(category="laboratory", effective_at__year__gte=year)
    )
    conditions = clinical.Condition.objects.filter(patient=patient)
    documents = clinical.DocumentReference.objects.filter(patient=patient)
    assert search(f"Condition?patient={patient.pk}&clinical-status=active") == pks(
        conditions.filter(clinical_status="active")
    )
    assert search(
        f"Condition?patient={patient.pk}&category=http://terminology.hl7.org/CodeSystem/"
        "condition-category|problem-list-item"
    ) == pks(conditions.filter(category="problem-list-item"))
    assert search(f"DocumentReference?patient={patient.pk}&category=clinical note") == pks(
        documents.filter(category_display="Clinical Note")
    )
    reports = clinical.DiagnosticReport.objects.filter(patient=patient)
    assert search(f"DiagnosticReport?patient={patient.pk}&category=LAB") == pks(
        reports.filter(kind="laboratory")
    ) | pks(reports.filter(category_code="LAB"))
    document = documents.exclude(code="").first()
    assert search(f"DocumentReference?patient={patient.pk}&type={document.code}") == pks(
        documents.filter(code=document.code)
    )
    assert search(f"DocumentReference?_id={document.pk}") == {str(document.pk)}
    encounters = clinical.Encounter.objects.filter(patient=patient)
    assert search(f"Encounter?patient={patient.pk}&date=lt2000") == pks(
        encounters.filter(period_start__year__lt=2000)
    )
    medicines = clinical.MedicationRequest.objects.filter(patient=patient)
    assert search(f"MedicationRequest?patient={patient.pk}&intent=order&status=active") == pks(
        medicines.filter(status="active", intent__in=["order", ""])
    )
    assert search(f"Immunization?patient={patient.pk}") == pks(
        clinical.Immunization.objects.filter(patient=patient)
    )
    assert search(f"Procedure?patient={patient.pk}&date=ge2010") == pks(
        clinical.Procedure.objects.filter(patient=patient, performed_start__year__gte=2010)
    )
