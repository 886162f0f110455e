"""Export each imported patient's record and import it again: the same data comes back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import models

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.clinical import models as clinical
from lantern.interop.fhir_export import record_bundle
from lantern.interop.fhir_import import import_paths
from lantern.interop.fhir_import.references import STORED_TYPES
from lantern.interop.tests import bundles
from lantern.interop.tests.bundles import DEMO_BUNDLES, SHARED_BUNDLES

pytestmark = pytest.mark.django_db

NOT_COMPARED = {"id", "source_system", "content_hash", "created_at", "updated_at"}


def bundle_files() -> list[Path]:
    files = sorted(DEMO_BUNDLES.glob("*.json"))
    if SHARED_BUNDLES.is_dir():
        names = {path.name for path in files}
        files += [path for path in sorted(SHARED_BUNDLES.glob("*.json")) if path.name not in names]
    return files


def rows(model: type[models.Model], source_system: str) -> dict[str, dict]:
    """Every record from one source, by FHIR id, with foreign keys as the target's FHIR id."""
    fields = [f for f in model._meta.concrete_fields if f.name not in NOT_COMPARED]
    related = [f.name + "__fhir_id" if f.is_relation else f.name for f in fields]
    return {
        values["fhir_id"]: values
        for values in model.objects.filter(source_system=source_system).values(*related)
    }


def report_results(source_system: str) -> set[tuple[str, str, int]]:
    return set(
        clinical.DiagnosticReportResult.objects.filter(
            report__source_system=source_system
        ).values_list("report__fhir_id", "observation__fhir_id", "position")
    )


@pytest.mark.parametrize("path", bundle_files(), ids=lambda path: path.stem.split("_")[0])
def test_an_exported_record_imports_back_to_the_same_data(path, tmp_path):
    assert_round_trip(path, tmp_path)


def test_a_record_with_places_documents_and_blood_pressure_imports_back_the_same(tmp_path):
    document = {
        "resourceType": "DocumentReference",
        "id": "99999999-9999-4999-8999-999999999999",
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "34117-2", "display": "H&P"}]},
        "category": [{"text": "Clinical note"}],
        "subject": {"reference": bundles.PATIENT_URL},
        "date": "2026-01-10T09:40:00+00:00",
        "author": [{"reference": bundles.DOCTOR_URL}],
        "description": "Visit note",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain",
                    "data": "Q2Fmw6kgbm90ZSDinJM=",
                    "title": "Note",
                }
            }
        ],
        "context": {"encounter": [{"reference": bundles.VISIT_URL}]},
    }
    place = {
        "resourceType": "Location",
        "id": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
        "name": "Riverside Main Street",
        "address": {"line": ["1 Main St", "Suite 2"], "city": "Springfield"},
        "managingOrganization": {"reference": bundles.CLINIC_URL},
    }
    source = bundles.full_bundle()
    source["entry"] += [bundles.entry(place), bundles.entry(document)]
    visit = next(e for e in source["entry"] if e["resource"]["resourceType"] == "Encounter")
    visit["resource"]["location"] = [{"location": {"reference": f"urn:uuid:{place['id']}"}}]
    assert_round_trip(bundles.write(tmp_path / "source.json", source), tmp_path)

    assert clinical.Location.objects.filter(source_system="b").count() == 1
    assert clinical.DocumentReference.objects.get(source_system="b").content_text == "Café note ✓"
    assert clinical.DiagnosticReportResult.objects.filter(report__source_system="b").count() == 1


def assert_round_trip(path: Path, tmp_path: Path) -> None:
    first = import_paths([path], source_system="a", workers=1)
    assert not first.failed, first.failed
    exported = tmp_path / "export.json"
    for patient in clinical.Patient.objects.filter(source_system="a"):
        access = PatientAccess(user=None, patient=patient, role=ActorRole.SELF)
        exported.write_text(json.dumps(record_bundle(access)))
        second = import_paths([exported], source_system="b", workers=1)
        assert not second.failed, second.failed

    for resource_type, model in STORED_TYPES.items():
        assert rows(model, "b") == rows(model, "a"), resource_type
    assert report_results("b") == report_results("a")
