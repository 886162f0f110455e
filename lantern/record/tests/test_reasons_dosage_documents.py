"""The record's pages show what the import now keeps (issue 11, points 5 and 9): every reason by
name, a dosage given only in structure in words, a document's file as a download, a note in its
charset, and an HTML note as its words."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.audit.models import AuditAction, AuditEvent
from lantern.clinical.models import DocumentReference, MedicationRequest, Patient
from lantern.interop.fhir_import import import_paths
from lantern.interop.tests import bundles
from lantern.record.dosage import instruction_in_words
from lantern.testing.auth import sign_in
from lantern.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def amy(settings, tmp_path):
    """A patient whose whole record came from the clinic's bundle, signed in."""
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    source = bundles.write(tmp_path / "bundle.json", bundles.whole_record_bundle())
    report = import_paths([source], source_system="clinic", workers=1)
    assert report.failed == [], report.failed
    return UserFactory(username="amy", patient=Patient.objects.get(source_system="clinic"))


def url(name: str, patient, **kwargs) -> str:
    return reverse(f"record:{name}", kwargs={"patient_id": patient.pk, **kwargs})


def page(user, name: str, **kwargs) -> str:
    response = sign_in(Client(), user).get(url(name, user.patient, **kwargs))
    assert response.status_code == 200
    return response.content.decode()


def document(title: str) -> DocumentReference:
    return DocumentReference.objects.get(title=title)


def test_the_medications_page_says_a_structured_dosage_in_words(amy):
    html = page(amy, "medications")

    assert "1 tablet twice a day" in html
    assert "Every 8 hours as needed" in html


def test_the_medications_page_gives_every_reason_by_name(amy):
    html = page(amy, "medications")

    assert "Chronic pain; Back pain; Atrial fibrillation" in html
    assert "(finding)" not in html and "(disorder)" not in html


def test_the_procedures_page_gives_every_reason_by_name(amy):
    html = page(amy, "procedures")

    assert "Cardiac arrhythmia; Atrial fibrillation" in html


def test_a_dosage_text_is_shown_as_written(alice):
    MedicationRequest.objects.create(
        patient=alice.patient,
        source_system="test",
        fhir_id="written",
        display="Metformin",
        status="active",
        dosage_text="Take 1 tablet by mouth with breakfast",
        dosage_instructions=[bundles.twice_a_day_tablet()],
    )

    html = page(alice, "medications")

    assert "Take 1 tablet by mouth with breakfast" in html
    assert "twice a day" not in html


@pytest.mark.parametrize(
    ("dosage", "medicine", "words"),
    [
        (bundles.twice_a_day_tablet(), "Ibuprofen 200 MG Oral Tablet", "1 tablet twice a day"),
        (
            {"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}},
            "",
            "Once a day",
        ),
        (
            {
                "timing": {"repeat": {"frequency": 1, "period": 6, "periodUnit": "h"}},
                "doseAndRate": [{"doseQuantity": {"value": 2}}],
            },
            "Amoxicillin 250 MG Oral Capsule",
            "2 capsules every 6 hours",
        ),
        (
            {
                "timing": {
                    "repeat": {"frequency": 1, "period": 4, "periodMax": 6, "periodUnit": "h"}
                },
                "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mL"}}],
                "asNeededCodeableConcept": {"text": "Pain"},
            },
            "",
            "5 mL every 4 to 6 hours as needed for pain",
        ),
        ({"asNeededBoolean": True, "sequence": 1}, "Albuterol Metered Dose Inhaler", "As needed"),
        (
            {
                "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "wk"}},
                "additionalInstruction": [{"text": "Take with food."}],
            },
            "",
            "3 times a week. Take with food",
        ),
    ],
)
def test_a_structured_dosage_reads_as_a_prescriber_would_write_it(dosage, medicine, words):
    assert instruction_in_words(dosage, medicine) == words


def test_a_pdf_document_is_offered_for_download_and_downloads_audited(amy):
    pdf = document("Discharge summary")
    file_url = url("document_file", amy.patient, document_id=pdf.pk)
    client = sign_in(Client(), amy)

    listing = client.get(url("documents", amy.patient)).content.decode()
    detail = client.get(url("document", amy.patient, document_id=pdf.pk)).content.decode()
    response = client.get(file_url)

    assert file_url in listing and file_url in detail
    assert "Download this document" in detail
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == bundles.PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Discharge_summary.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private, no-store")
    # No health information in the address: the patient's and the document's ids only.
    assert file_url == f"/patients/{amy.patient.pk}/record/documents/{pdf.pk}/file/"
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="DocumentReference")
    assert (event.object_id, event.patient_id) == (str(pdf.pk), amy.patient.pk)


def test_another_patients_document_file_is_not_found_and_audited_as_denied(amy, charlie):
    pdf = document("Discharge summary")
    client = sign_in(Client(), charlie)

    response = client.get(url("document_file", charlie.patient, document_id=pdf.pk))

    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        object_type="DocumentReference", object_id=str(pdf.pk), outcome="denied"
    ).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT, outcome="success").exists()


def test_a_text_document_has_no_file_to_download(amy):
    note = document("Care plan")
    response = sign_in(Client(), amy).get(url("document_file", amy.patient, document_id=note.pk))

    assert response.status_code == 404


def test_a_note_in_iso_8859_1_reads_as_written(amy):
    html = page(amy, "document", document_id=document("Note from the café").pk)

    assert "Crème brûlée after the visit, señor." in html


def test_an_html_note_is_shown_as_its_words_never_as_markup(amy):
    html = page(amy, "document", document_id=document("Care plan").pk)

    assert "Plan\n\nWalk thirty minutes a day &amp; rest." in html
    assert "<b>thirty</b>" not in html and "&lt;b&gt;" not in html
    assert "alert(" not in html and "color:red" not in html
