"""The FHIR bundle importer: mapping, idempotence, and all-or-nothing bundles."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from lantern.audit.models import AuditAction, AuditEvent
from lantern.clinical import models as clinical
from lantern.interop.fhir_import import import_paths

from . import bundles
from .bundles import bundle, entry, full_bundle, write

pytestmark = pytest.mark.django_db

STORED_MODELS = [
    clinical.Organization,
    clinical.Practitioner,
    clinical.Patient,
    clinical.Encounter,
    clinical.Observation,
    clinical.DiagnosticReport,
    clinical.DiagnosticReportResult,
]


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in STORED_MODELS}


def test_a_bundle_is_mapped_to_the_clinical_record(tmp_path):
    report = import_paths([write(tmp_path / "alice.json", full_bundle())])

    assert report.failed == []
    patient = clinical.Patient.objects.get()
    assert patient.mrn == "MRN-0042"
    assert (patient.given_names, patient.family_name) == ("Alice May", "Adams")
    assert patient.birth_date == dt.date(1970, 3, 14)
    assert (patient.sex, patient.phone, patient.email) == (
        "female",
        "555-0199",
        "alice@example.org",
    )
    assert (patient.city, patient.preferred_language) == ("Springfield", "en-US")
    assert patient.managing_organization.name == "Riverside Family Clinic"
    visit = clinical.Encounter.objects.get()
    assert visit.practitioner.npi == "1234567890"
    assert visit.type_display == "Check-up"
    glucose = clinical.Observation.objects.get(code="2345-7")
    assert glucose.category == clinical.ObservationCategory.LABORATORY
    assert (glucose.value_quantity, glucose.value_unit) == (110.0, "mg/dL")
    assert (glucose.reference_low, glucose.reference_high) == (70, 99)
    assert (glucose.interpretation, glucose.note) == ("H", "Fasting sample.")
    assert glucose.encounter == visit
    pressure = clinical.Observation.objects.get(code="85354-9")
    assert [c["value"] for c in pressure.components] == [128, 82]
    report_row = clinical.DiagnosticReport.objects.get()
    assert report_row.kind == clinical.ReportKind.LABORATORY
    assert report_row.presented_text == "Glucose is high."
    assert list(report_row.results.all()) == [glucose]


def test_the_report_counts_each_type_and_skips_types_lantern_does_not_keep(tmp_path):
    report = import_paths([write(tmp_path / "alice.json", full_bundle())])

    counts = report.as_json()["types"]
    assert counts["Observation"] == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    assert counts["Goal"] == {"created": 0, "updated": 0, "unchanged": 0, "skipped": 1}
    assert report.files == 1


def test_reimporting_the_same_bundle_changes_nothing(tmp_path):
    path = write(tmp_path / "alice.json", full_bundle())
    import_paths([path])
    before = row_counts()
    stamps = list(clinical.Observation.objects.values_list("updated_at", flat=True))

    again = import_paths([path])

    assert row_counts() == before
    assert list(clinical.Observation.objects.values_list("updated_at", flat=True)) == stamps
    for name, counts in again.as_json()["types"].items():
        assert counts["created"] == counts["updated"] == 0, name


def test_a_changed_resource_is_updated_in_place(tmp_path):
    import_paths([write(tmp_path / "first.json", full_bundle())])
    changed = full_bundle()
    changed["entry"][4]["resource"]["valueQuantity"]["value"] = 95.0

    report = import_paths([write(tmp_path / "second.json", changed)])

    assert report.types["Observation"].updated == 1
    assert report.types["Observation"].unchanged == 1
    assert clinical.Observation.objects.get(code="2345-7").value_quantity == 95.0
    assert clinical.Observation.objects.count() == 2


def test_the_same_ids_from_another_source_are_other_records(tmp_path):
    path = write(tmp_path / "alice.json", full_bundle())
    import_paths([path], source_system="ehr-a")
    import_paths([path], source_system="ehr-b")

    assert clinical.Patient.objects.count() == 2


@pytest.mark.parametrize("bundle_type", ["collection", "batch", "transaction"])
def test_collection_batch_and_transaction_bundles_import(tmp_path, bundle_type):
    document = full_bundle()
    document["type"] = bundle_type

    report = import_paths([write(tmp_path / "b.json", document)])

    assert report.failed == []
    assert clinical.Patient.objects.count() == 1


def test_relative_references_resolve_within_the_bundle_and_to_earlier_imports(tmp_path):
    first = bundle(entry(bundles.clinic()), entry(bundles.patient(), full_url="Patient/p-1"))
    first["entry"][1]["resource"]["id"] = "p-1"
    first["entry"][1]["resource"]["managingOrganization"] = {
        "reference": f"Organization/{bundles.clinic()['id']}"
    }
    later = bundles.glucose()
    later["subject"] = {"reference": "Patient/p-1"}
    del later["encounter"]

    report = import_paths(
        [write(tmp_path / "1.json", first), write(tmp_path / "2.json", bundle(entry(later)))]
    )

    assert report.failed == []
    assert clinical.Observation.objects.get().patient.fhir_id == "p-1"
    assert clinical.Patient.objects.get().managing_organization is not None


def test_a_bundle_with_an_invalid_resource_writes_nothing_and_says_where(tmp_path):
    broken = full_bundle()
    broken["entry"][5]["resource"]["effectiveDateTime"] = "the tenth of January"

    report = import_paths([write(tmp_path / "broken.json", broken)])

    assert row_counts() == dict.fromkeys(row_counts(), 0)
    [failure] = report.failed
    assert failure.entry_index == 5
    assert "invalid Observation" in failure.reason
    assert "effectiveDateTime" in failure.reason


def test_a_reference_to_nothing_fails_the_bundle(tmp_path):
    broken = full_bundle()
    broken["entry"][4]["resource"]["subject"] = {"reference": "urn:uuid:not-in-this-bundle"}

    report = import_paths([write(tmp_path / "broken.json", broken)])

    [failure] = report.failed
    assert failure.entry_index == 4
    assert "urn:uuid:not-in-this-bundle" in failure.reason
    assert clinical.Patient.objects.count() == 0


def test_a_relative_reference_to_a_record_never_imported_fails(tmp_path):
    orphan = bundles.glucose()
    orphan["subject"] = {"reference": "Patient/nobody"}
    del orphan["encounter"]

    report = import_paths([write(tmp_path / "orphan.json", bundle(entry(orphan)))])

    [failure] = report.failed
    assert "Patient/nobody" in failure.reason


def test_malformed_json_names_the_entry_and_the_other_files_still_import(tmp_path):
    good = write(tmp_path / "a-good.json", full_bundle())
    text = json.dumps(full_bundle())
    cut = text.index('"resourceType": "Encounter"')
    bad = write(tmp_path / "b-bad.json", text[:cut] + '"status": ]')

    report = import_paths([good, bad])

    [failure] = report.failed
    assert failure.path == bad
    assert failure.entry_index == 3
    assert failure.reason.startswith("malformed JSON")
    assert clinical.Patient.objects.count() == 1


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"resourceType": "Patient", "id": "x"}, "not a FHIR Bundle"),
        ({"resourceType": "Bundle", "type": "searchset", "entry": []}, "'searchset' cannot"),
        ("[1, 2", "malformed JSON"),
    ],
)
def test_files_that_are_not_importable_bundles_are_reported(tmp_path, document, message):
    report = import_paths([write(tmp_path / "x.json", document)])

    [failure] = report.failed
    assert message in failure.reason


def test_a_value_longer_than_its_column_fails_the_same_way_on_every_engine(tmp_path):
    broken = full_bundle()
    broken["entry"][4]["resource"]["code"]["coding"][0]["code"] = "9" * 65

    report = import_paths([write(tmp_path / "long.json", broken)])

    [failure] = report.failed
    assert failure.entry_index == 4
    assert "code is longer than 64 characters" in failure.reason


def test_a_status_outside_fhir_r4_is_refused(tmp_path):
    broken = full_bundle()
    broken["entry"][3]["resource"]["status"] = "finished-ish"

    report = import_paths([write(tmp_path / "status.json", broken)])

    [failure] = report.failed
    assert failure.entry_index == 3


def test_a_duplicate_resource_in_one_bundle_fails_it(tmp_path):
    document = full_bundle()
    again = copy.deepcopy(document["entry"][4])
    again["fullUrl"] = f"Observation/{again['resource']['id']}"
    document["entry"].append(again)

    report = import_paths([write(tmp_path / "twice.json", document)])

    [failure] = report.failed
    assert "already in the bundle at entry 4" in failure.reason


def test_a_patient_without_managing_organization_belongs_to_the_clinic_of_the_latest_visit(
    tmp_path,
):
    document = full_bundle()
    del document["entry"][2]["resource"]["managingOrganization"]

    import_paths([write(tmp_path / "b.json", document)])

    assert clinical.Patient.objects.get().managing_organization.name == "Riverside Family Clinic"


def test_each_imported_patient_gets_one_import_audit_event_per_bundle(tmp_path):
    import_paths([write(tmp_path / "b.json", full_bundle())])

    event = AuditEvent.objects.get()
    assert event.action == AuditAction.IMPORT
    assert event.patient.mrn == "MRN-0042"
    assert event.channel == "import"


def test_validating_in_worker_processes_gives_the_same_result(tmp_path):
    path = write(tmp_path / "b.json", full_bundle())

    in_process = import_paths([path], source_system="one", workers=1).as_json()
    in_workers = import_paths([path], source_system="two", workers=2).as_json()

    assert in_process == in_workers
    assert clinical.Observation.objects.filter(source_system="two").count() == 2


def test_the_command_prints_a_table_and_exits_non_zero_when_a_file_failed(tmp_path, capsys):
    write(tmp_path / "good.json", full_bundle())
    write(tmp_path / "bad.json", "{")

    with pytest.raises(CommandError, match="1 of 2 files failed"):
        call_command("import_fhir", str(tmp_path))

    out, err = capsys.readouterr()
    assert "Observation" in out and "Created" in out
    assert "bad.json" in err


def test_the_command_prints_json_when_asked(tmp_path, capsys):
    write(tmp_path / "good.json", full_bundle())

    call_command("import_fhir", str(tmp_path), "--json")

    report = json.loads(capsys.readouterr().out)
    assert report["files"] == 1 and report["failed"] == []
    assert report["types"]["Patient"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0}


def test_the_command_refuses_a_path_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_fhir", str(tmp_path / "missing.json"))
