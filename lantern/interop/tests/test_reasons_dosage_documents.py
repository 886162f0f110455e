"""The whole record, faithfully (issue 11, point 5): every reason of a prescription or a
procedure, a dosage given only in structure, a document's inline PDF, a note's charset, and the
date of death are imported, and exported back as they came."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.clinical import models as clinical
from lantern.clinical.document_files import document_file_path
from lantern.downloads.tests.test_round_trip import assert_round_trip
from lantern.interop.fhir_export import record_bundle
from lantern.interop.fhir_import import import_paths

from . import bundles
from .bundles import bundle, entry, write

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """A fresh PRIVATE_FILES_ROOT, so the files a test finds are its own."""
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    return settings.PRIVATE_FILES_ROOT


def imported(tmp_path, source: dict[str, Any], source_system: str = "clinic") -> None:
    report = import_paths([write(tmp_path / "bundle.json", source)], source_system=source_system)
    assert report.failed == [], report.failed


def exported(source_system: str = "clinic") -> dict[str, list[dict[str, Any]]]:
    """The patient's exported record: resources by type."""
    patient = clinical.Patient.objects.get(source_system=source_system)
    access = PatientAccess(user=None, patient=patient, role=ActorRole.SELF)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for item in record_bundle(access)["entry"]:
        by_type.setdefault(item["resource"]["resourceType"], []).append(item)
    return by_type


def test_every_reason_of_a_prescription_is_kept_by_name_with_the_condition_it_names(tmp_path):
    imported(tmp_path, bundles.whole_record_bundle())

    prescription = clinical.MedicationRequest.objects.get(fhir_id__endswith="0002")
    assert prescription.reason_names == [
        "Chronic pain (finding)",
        "Back pain",
        "Atrial fibrillation (disorder)",
    ]
    assert prescription.reasons[2] == {
        "name": "Atrial fibrillation (disorder)",
        "resource_type": "Condition",
        "fhir_id": bundles.FIBRILLATION_ID,
    }
    assert prescription.reason_display == "Chronic pain (finding)"


def test_every_reason_of_a_procedure_is_kept_the_condition_named_as_recorded(tmp_path):
    imported(tmp_path, bundles.whole_record_bundle())

    procedure = clinical.Procedure.objects.get()
    # The condition's own name, rather than the reference's display.
    assert procedure.reason_names == [
        "Cardiac arrhythmia (disorder)",
        "Atrial fibrillation (disorder)",
    ]


def test_a_reason_naming_a_condition_imported_before_takes_its_name(tmp_path):
    first = bundles.whole_record_bundle()
    first["entry"] = first["entry"][:5]
    imported(tmp_path, first)
    later = bundles.reasoned_prescription()
    later["reasonReference"] = [{"reference": f"Condition/{bundles.FIBRILLATION_ID}"}]
    later["subject"] = {"reference": f"Patient/{bundles.PATIENT_URL.removeprefix('urn:uuid:')}"}

    imported(tmp_path, bundle(entry(later)))

    prescription = clinical.MedicationRequest.objects.get()
    assert prescription.reason_names[-1] == "Atrial fibrillation (disorder)"
    assert prescription.reasons[-1]["fhir_id"] == bundles.FIBRILLATION_ID


def test_a_dosage_given_only_in_structure_is_kept_whole(tmp_path):
    imported(tmp_path, bundles.whole_record_bundle())

    prescription = clinical.MedicationRequest.objects.get(fhir_id__endswith="0002")
    assert prescription.dosage_text == ""
    assert prescription.dosage_instructions == [bundles.twice_a_day_tablet()]
    as_needed = clinical.MedicationRequest.objects.get(fhir_id__endswith="0003")
    assert as_needed.as_needed is True
    assert as_needed.dosage_instructions[0]["timing"]["repeat"]["period"] == 8


def test_a_pdf_carried_inline_is_kept_as_a_file(tmp_path, private_files):
    imported(tmp_path, bundles.whole_record_bundle())

    document = clinical.DocumentReference.objects.get(title="Discharge summary")
    assert document.content_text == ""
    assert document.content_file.endswith(".pdf")
    assert document.content_size == len(bundles.PDF_BYTES)
    path = document_file_path(document.content_file)
    assert path.parent.parent == private_files
    assert path.read_bytes() == bundles.PDF_BYTES


def test_a_note_is_read_in_the_charset_its_content_type_names(tmp_path):
    imported(tmp_path, bundles.whole_record_bundle())

    note = clinical.DocumentReference.objects.get(title="Note from the café")
    assert note.content_text == "Crème brûlée after the visit, señor."


def test_an_html_note_is_kept_as_written(tmp_path):
    imported(tmp_path, bundles.whole_record_bundle())

    note = clinical.DocumentReference.objects.get(title="Care plan")
    assert note.content_text.startswith("<html><head>")


def test_reasons_dosage_and_inline_content_are_exported_as_imported(tmp_path):
    source = bundles.whole_record_bundle()
    imported(tmp_path, copy.deepcopy(source))

    written = exported()

    condition_url = written["Condition"][0]["fullUrl"]
    requests = {item["resource"]["id"]: item["resource"] for item in written["MedicationRequest"]}
    prescription = requests[bundles.reasoned_prescription()["id"]]
    assert prescription["reasonCode"] == bundles.reasoned_prescription()["reasonCode"]
    assert prescription["reasonReference"] == [
        {"reference": condition_url, "display": "Atrial fibrillation (disorder)"}
    ]
    assert prescription["dosageInstruction"] == [bundles.twice_a_day_tablet()]
    as_needed = requests[bundles.as_needed_prescription()["id"]]
    assert as_needed["dosageInstruction"] == bundles.as_needed_prescription()["dosageInstruction"]
    procedure = written["Procedure"][0]["resource"]
    assert procedure["reasonCode"] == bundles.reasoned_procedure()["reasonCode"]
    assert procedure["reasonReference"][0]["reference"] == condition_url
    attachments = {
        item["resource"]["id"]: item["resource"]["content"][0]["attachment"]
        for item in written["DocumentReference"]
    }
    for document in (bundles.discharge_pdf(), bundles.latin1_note(), bundles.html_note()):
        assert attachments[document["id"]] == document["content"][0]["attachment"]


def test_the_whole_record_imports_back_to_the_same_data(tmp_path):
    path = write(tmp_path / "source.json", bundles.whole_record_bundle())

    assert_round_trip(path, tmp_path)

    again = clinical.MedicationRequest.objects.get(source_system="b", fhir_id__endswith="0002")
    assert len(again.reason_names) == 3 and again.dosage_instructions
    assert clinical.DocumentReference.objects.filter(source_system="b").exclude(content_file="")


def test_a_reason_whose_record_is_not_exported_keeps_its_name(tmp_path):
    imported(tmp_path, bundles.whole_record_bundle())
    clinical.Condition.objects.all().delete()

    written = exported()

    procedure = written["Procedure"][0]["resource"]
    assert procedure["reasonReference"] == [{"display": "Atrial fibrillation (disorder)"}]


def test_a_date_of_death_is_imported_and_exported_as_given(tmp_path):
    source = bundle(
        entry(bundles.clinic()),
        entry(bundles.patient(deceasedDateTime="1987-11-24T02:39:21+00:00")),
    )
    imported(tmp_path, source)

    patient = clinical.Patient.objects.get()
    assert patient.deceased is True
    assert patient.deceased_at.isoformat() == "1987-11-24T02:39:21+00:00"
    assert exported()["Patient"][0]["resource"]["deceasedDateTime"] == ("1987-11-24T02:39:21+00:00")


def test_content_that_is_not_base64_fails_the_entry(tmp_path):
    broken = bundles.discharge_pdf()
    broken["content"][0]["attachment"]["data"] = base64.b64encode(b"%PDF")[:-1].decode() + "!"
    report = import_paths(
        [write(tmp_path / "bundle.json", bundle(entry(bundles.patient()), entry(broken)))]
    )

    assert report.failed
