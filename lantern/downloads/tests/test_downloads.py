"""Downloading the record, or one result, as a readable PDF and as a FHIR R4 JSON Bundle."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class
from pypdf import PdfReader

from lantern.audit.models import AuditAction, AuditEvent
from lantern.clinical import models as clinical
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    EncounterFactory,
    ObservationFactory,
    PractitionerFactory,
)

pytestmark = pytest.mark.django_db

TAKEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def give_record(patient: clinical.Patient, observations: int = 10) -> clinical.DiagnosticReport:
    """A visit with a lab report of two values, and `observations` more values besides."""
    doctor = PractitionerFactory(given_names="Maya", family_name="Okafor")
    visit = EncounterFactory(patient=patient, practitioner=doctor, reason_display="Check-up")
    a1c = ObservationFactory(
        patient=patient,
        encounter=visit,
        effective_at=TAKEN,
        value_quantity=7.9,
        reference_low=4.0,
        reference_high=5.6,
        interpretation="H",
        note="Higher than last time.",
    )
    glucose = ObservationFactory(
        patient=patient,
        encounter=visit,
        code="2345-7",
        display="Glucose [Mass/volume] in Serum or Plasma",
        value_quantity=92,
        value_unit="mg/dL",
        reference_low=70,
        reference_high=99,
        effective_at=TAKEN,
    )
    report = clinical.DiagnosticReport.objects.create(
        patient=patient,
        encounter=visit,
        source_system="test",
        fhir_id=f"report-{patient.pk}",
        status=clinical.DiagnosticReportStatus.FINAL,
        kind=clinical.ReportKind.LABORATORY,
        category_code="LAB",
        code="24323-8",
        display="Metabolic panel",
        effective_at=TAKEN,
        conclusion="Sugar is a little high.",
        performer=doctor,
    )
    for position, observation in enumerate([a1c, glucose]):
        clinical.DiagnosticReportResult.objects.create(
            report=report, observation=observation, position=position
        )
    clinical.Condition.objects.create(
        patient=patient,
        source_system="test",
        fhir_id=f"condition-{patient.pk}",
        code="44054006",
        display="Diabetes mellitus type 2",
        clinical_status="active",
    )
    add_observations(patient, observations)
    return report


def add_observations(patient: clinical.Patient, count: int) -> None:
    clinical.Observation.objects.bulk_create(
        ObservationFactory.build_batch(count, patient=patient, effective_at=TAKEN),
        batch_size=500,
    )


def urls(user, report: clinical.DiagnosticReport) -> dict[str, str]:
    patient_id = user.patient_id
    return {
        "page": reverse("downloads:download", kwargs={"patient_id": patient_id}),
        "record.json": reverse("downloads:record_json", kwargs={"patient_id": patient_id}),
        "record.pdf": reverse("downloads:record_pdf", kwargs={"patient_id": patient_id}),
        "result.json": reverse(
            "downloads:result_json", kwargs={"patient_id": patient_id, "report_id": report.pk}
        ),
        "result.pdf": reverse(
            "downloads:result_pdf", kwargs={"patient_id": patient_id, "report_id": report.pk}
        ),
    }


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_download_page_explains_both_formats_with_one_heading(alice):
    report = give_record(alice.patient)
    client = sign_in(Client(), alice)

    response = client.get(urls(alice, report)["page"])

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "Download PDF" in html
    assert "Download FHIR file" in html
    assert 'data-testid="empty-record"' not in html


def test_the_download_page_says_when_the_record_is_still_empty(alice):
    client = sign_in(Client(), alice)

    response = client.get(reverse("downloads:download", kwargs={"patient_id": alice.patient_id}))

    assert 'data-testid="empty-record"' in response.content.decode()


@pytest.mark.parametrize("name", ["page", "record.json", "record.pdf", "result.json", "result.pdf"])
def test_alice_cannot_download_charlies_record_or_results(alice, charlie, name):
    charlies_report = give_record(charlie.patient)
    client = sign_in(Client(), alice)

    assert client.get(urls(charlie, charlies_report)[name]).status_code == 404


@pytest.mark.parametrize("name", ["result.json", "result.pdf"])
def test_alice_cannot_reach_charlies_result_through_her_own_record(alice, charlie, name):
    give_record(alice.patient)
    charlies_report = give_record(charlie.patient)
    client = sign_in(Client(), alice)

    assert client.get(urls(alice, charlies_report)[name]).status_code == 404


def test_the_record_downloads_as_a_fhir_bundle_whose_every_entry_validates(alice):
    report = give_record(alice.patient)
    client = sign_in(Client(), alice)

    response = client.get(urls(alice, report)["record.json"])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"] == 'attachment; filename="health-record.json"'
    assert "no-store" in response["Cache-Control"].split(", ")
    bundle = json.loads(response.content)
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert bundle["type"] == "collection"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    types = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert types.count("Observation") == 12
    assert {"Patient", "Organization", "Practitioner", "Encounter", "Condition"} <= set(types)
    patient = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["fullUrl"] == f"urn:uuid:{alice.patient_id}"
    assert patient["resource"]["id"] == alice.patient.fhir_id


def test_one_result_downloads_as_a_bundle_with_its_values_in_order(alice):
    report = give_record(alice.patient)
    client = sign_in(Client(), alice)

    response = client.get(urls(alice, report)["result.json"])

    assert response["Content-Disposition"] == 'attachment; filename="test-result.json"'
    bundle = json.loads(response.content)
    by_type: dict[str, list] = {}
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry)
    assert len(by_type["Observation"]) == 2
    assert len(by_type["Patient"]) == 1
    urls_of_values = [
        ref["reference"] for ref in by_type["DiagnosticReport"][0]["resource"]["result"]
    ]
    values = {
        e["fullUrl"]: e["resource"]["code"]["coding"][0]["code"] for e in by_type["Observation"]
    }
    assert [values[url] for url in urls_of_values] == ["4548-4", "2345-7"]


def test_the_record_pdf_reads_with_the_name_results_ranges_and_flags_in_words(alice):
    alice.patient.given_names = "Alice Zoë"
    alice.patient.save()
    report = give_record(alice.patient)
    client = sign_in(Client(), alice)

    response = client.get(urls(alice, report)["record.pdf"])

    assert response["Content-Disposition"] == 'attachment; filename="health-record.pdf"'
    assert "no-store" in response["Cache-Control"].split(", ")
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Alice Zoë Adams" in text
    assert "Hemoglobin A1c" in text
    assert "4 to 5.6 %" in text
    assert "High" in text
    assert "Diabetes mellitus type 2" in text


def test_the_result_pdf_shows_values_ranges_flags_and_the_comment(alice):
    report = give_record(alice.patient)
    client = sign_in(Client(), alice)

    response = client.get(urls(alice, report)["result.pdf"])

    assert response.content.startswith(b"%PDF")
    text = " ".join(pdf_text(response.content).split())
    assert "Comprehensive metabolic panel (Metabolic panel)" in text
    assert "70 to 99 mg/dL" in text
    assert "Normal" in text
    assert "High" in text
    assert "Higher than last time." in text
    assert "Sugar is a little high." in text
    assert "Maya Okafor" in text


def test_a_long_record_pdf_says_it_shows_only_the_latest_results(alice):
    report = give_record(alice.patient, observations=600)
    client = sign_in(Client(), alice)

    text = pdf_text(client.get(urls(alice, report)["record.pdf"]).content)

    assert "latest 500 entries only" in text


@pytest.mark.parametrize(
    ("name", "object_type"),
    [
        ("record.json", "record"),
        ("record.pdf", "record"),
        ("result.json", "DiagnosticReport"),
        ("result.pdf", "DiagnosticReport"),
    ],
)
def test_every_download_is_audited_as_an_export(alice, name, object_type):
    report = give_record(alice.patient)
    client = sign_in(Client(), alice)

    client.get(urls(alice, report)[name])

    event = AuditEvent.objects.filter(patient=alice.patient).latest("occurred_at")
    assert event.action == AuditAction.EXPORT
    assert event.object_type == object_type
    assert event.actor == alice


def queries_for(client: Client, url: str) -> int:
    client.get(url)  # The first request may refresh the session's "last active" time.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_every_download_costs_the_same_queries_for_10_and_2000_results(alice):
    report = give_record(alice.patient, observations=8)
    client = sign_in(Client(), alice)
    few = {name: queries_for(client, url) for name, url in urls(alice, report).items()}

    add_observations(alice.patient, 1990)
    many = {name: queries_for(client, url) for name, url in urls(alice, report).items()}

    assert few == many


def test_the_record_and_result_pages_link_to_their_downloads(client, alice):
    from lantern.results.tests.conftest import make_report

    report = make_report(alice.patient)
    sign_in(client, alice)

    record_page = client.get(reverse("record:index", kwargs={"patient_id": alice.patient.pk}))
    result_page = client.get(
        reverse("results:detail", kwargs={"patient_id": alice.patient.pk, "report_id": report.pk})
    )

    assert reverse("downloads:download", kwargs={"patient_id": alice.patient.pk}) in (
        record_page.content.decode()
    )
    assert (
        reverse(
            "downloads:result_pdf", kwargs={"patient_id": alice.patient.pk, "report_id": report.pk}
        )
        in result_page.content.decode()
    )
