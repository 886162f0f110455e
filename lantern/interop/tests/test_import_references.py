"""References by identifier (`Type?identifier=system|value`) and medicines named by reference.

The bundles are shaped like today's Synthea export (built in `bundles.py`): hospitals and
practitioners come in files of their own, imported before the patients' bundles, which name
them by identifier only.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from lantern.clinical import models as clinical
from lantern.interop.fhir_import import import_paths
from lantern.interop.fhir_import.references import STORED_TYPES

from . import bundles
from .bundles import (
    DEMO_BUNDLES,
    HOSPITAL_ID,
    NPI,
    NPI_SYSTEM,
    RXNORM,
    SYNTHEA_SYSTEM,
    bundle,
    by_identifier,
    entry,
    write,
)

pytestmark = pytest.mark.django_db

HOSPITAL_REFERENCE = f"Organization?identifier={SYNTHEA_SYSTEM}|{HOSPITAL_ID}"


def assert_visit_linked_to_the_directory() -> None:
    visit = clinical.Encounter.objects.select_related(
        "service_provider", "location", "practitioner"
    ).get()
    assert visit.service_provider.name == "Riverside General Hospital"
    assert visit.location.name == "Riverside General Hospital, east wing"
    assert visit.practitioner.npi == NPI
    patient = clinical.Patient.objects.get()
    assert patient.managing_organization == visit.service_provider


# Conditional references: in the bundle ----------------------------------------------------------


def test_references_by_identifier_resolve_to_resources_of_the_same_bundle(tmp_path):
    document = bundles.synthea_patient_bundle(
        bundles.directory_entry(bundles.hospital()),
        bundles.directory_entry(bundles.ward()),
        bundles.directory_entry(bundles.physician()),
    )

    report = import_paths([write(tmp_path / "everything.json", document)])

    assert report.failed == []
    assert_visit_linked_to_the_directory()
    assert clinical.Location.objects.get().organization.name == "Riverside General Hospital"


def test_the_synthea_directory_files_import_on_their_own_with_references_among_themselves(
    tmp_path,
):
    report = import_paths(
        [
            write(tmp_path / "hospitalInformation1.json", bundles.hospital_information()),
            write(tmp_path / "practitionerInformation1.json", bundles.practitioner_information()),
        ]
    )

    assert report.failed == []
    assert clinical.Location.objects.get().organization.name == "Riverside General Hospital"
    assert report.types["PractitionerRole"].skipped == 1


def test_a_reference_by_identifier_matching_two_resources_of_the_bundle_fails_it(tmp_path):
    document = bundles.synthea_patient_bundle(
        bundles.directory_entry(bundles.hospital()),
        bundles.directory_entry(bundles.hospital("a1c2e3f4-0000-3000-8000-0000000000ff")),
        bundles.directory_entry(bundles.ward()),
        bundles.directory_entry(bundles.physician()),
    )

    report = import_paths([write(tmp_path / "twice.json", document)])

    [failure] = report.failed
    # The patient (entry 0) is the first to name the hospital.
    assert failure.entry_index == 0
    assert f"reference '{HOSPITAL_REFERENCE}' matches 2 resources in the bundle" in failure.reason
    assert clinical.Patient.objects.count() == clinical.Organization.objects.count() == 0


def test_a_reference_by_identifier_of_the_bundle_wins_over_an_earlier_import(tmp_path):
    import_paths([write(tmp_path / "hospitalInformation1.json", bundles.hospital_information())])
    moved = bundles.hospital("a1c2e3f4-0000-3000-8000-0000000000ff", name="Riverside New Site")
    # A plain create (no ifNoneExist): the bundle's own hospital is stored and named.
    document = bundles.synthea_patient_bundle(entry(moved), entry(bundles.physician()))

    report = import_paths([write(tmp_path / "patient.json", document)])

    assert report.failed == []
    assert clinical.Encounter.objects.get().service_provider.name == "Riverside New Site"


def test_a_search_without_a_system_or_with_several_values_matches_like_fhir_search(tmp_path):
    visit = bundles.synthea_visit()
    visit["serviceProvider"] = {"reference": f"Organization?identifier={HOSPITAL_ID}"}
    visit["participant"][0]["individual"] = {
        "reference": f"Practitioner?identifier=urn:other|1,{NPI_SYSTEM}|{NPI}"
        f"&identifier={NPI_SYSTEM}%7C{NPI}"
    }
    document = bundle(
        entry(bundles.patient()),
        entry(visit),
        entry(bundles.clinic()),
        bundles.directory_entry(bundles.hospital()),
        bundles.directory_entry(bundles.ward()),
        bundles.directory_entry(bundles.physician()),
    )

    report = import_paths([write(tmp_path / "search.json", document)])

    assert report.failed == []
    visit_row = clinical.Encounter.objects.get()
    assert visit_row.service_provider.name == "Riverside General Hospital"
    assert visit_row.practitioner.npi == NPI


# Conditional references: imported before -------------------------------------------------------


def test_references_by_identifier_resolve_to_what_was_imported_before_from_the_same_source(
    tmp_path,
):
    directory = import_paths(
        [
            write(tmp_path / "hospitalInformation1.json", bundles.hospital_information()),
            write(tmp_path / "practitionerInformation1.json", bundles.practitioner_information()),
        ]
    )
    assert directory.failed == []

    report = import_paths([write(tmp_path / "Alice.json", bundles.synthea_patient_bundle())])

    assert report.failed == []
    assert_visit_linked_to_the_directory()


def test_a_synthea_output_folder_imports_its_hospitals_and_practitioners_first(tmp_path):
    # "Alice_..." sorts before "hospitalInformation..." by name; the directory files go first.
    write(tmp_path / "Alice_Adams_1111.json", bundles.synthea_patient_bundle())
    write(tmp_path / "hospitalInformation1711.json", bundles.hospital_information())
    write(tmp_path / "practitionerInformation1711.json", bundles.practitioner_information())

    call_command("import_fhir", str(tmp_path))

    assert_visit_linked_to_the_directory()


def test_synthea_directory_files_named_after_the_patients_still_import_first(tmp_path):
    # As a shell expands `output/fhir/*.json`: capitals sort first.
    paths = [
        write(tmp_path / "Alice_Adams_1111.json", bundles.synthea_patient_bundle()),
        write(tmp_path / "hospitalInformation1711.json", bundles.hospital_information()),
        write(tmp_path / "practitionerInformation1711.json", bundles.practitioner_information()),
    ]

    report = import_paths(paths, workers=2)

    assert report.failed == []
    assert_visit_linked_to_the_directory()


def split_as_synthea_writes_today(document: dict) -> tuple[dict, dict, dict]:
    """A whole Synthea bundle as today's Synthea writes it: its hospital and practitioner in
    files of their own, and every reference to them by identifier instead of by fullUrl."""
    kept, hospitals, practitioners, by_identifier_for = [], [], [], {}
    for item in document["entry"]:
        resource = item["resource"]
        if resource["resourceType"] in {"Organization", "Practitioner"}:
            identifier = resource["identifier"][0]
            by_identifier_for[item["fullUrl"]] = (
                f"{resource['resourceType']}?identifier={identifier['system']}|{identifier['value']}"
            )
            (hospitals if resource["resourceType"] == "Organization" else practitioners).append(
                bundles.directory_entry(resource)
            )
        else:
            kept.append(item)
    text = json.dumps(bundle(*kept))
    for url, conditional in by_identifier_for.items():
        text = text.replace(json.dumps(url), json.dumps(conditional))
    return json.loads(text), bundle(*hospitals), bundle(*practitioners)


def stored_rows(source_system: str) -> dict[str, dict[str, dict]]:
    """Every record from one source by type and FHIR id, foreign keys as the target's FHIR id."""
    not_compared = {"id", "source_system", "content_hash", "created_at", "updated_at"}
    found = {}
    for resource_type, model in STORED_TYPES.items():
        fields = [f for f in model._meta.concrete_fields if f.name not in not_compared]
        names = [f.name + "__fhir_id" if f.is_relation else f.name for f in fields]
        found[resource_type] = {
            values["fhir_id"]: values
            for values in model.objects.filter(source_system=source_system).values(*names)
        }
    return found


def test_a_real_synthea_record_split_as_today_imports_to_the_same_record(tmp_path):
    original = DEMO_BUNDLES / "Jill_Tillman_c4b7d178-c437-4202-9fb0-1b64afb8bc09.json"
    patient_part, hospitals, practitioners = split_as_synthea_writes_today(
        json.loads(original.read_text())
    )
    assert "Organization?identifier=" in json.dumps(patient_part)
    folder = tmp_path / "fhir"
    folder.mkdir()
    write(folder / "Jill_Tillman.json", patient_part)
    write(folder / "hospitalInformation1.json", hospitals)
    write(folder / "practitionerInformation1.json", practitioners)

    whole = import_paths([original], source_system="whole")
    split = import_paths([folder], source_system="split")

    assert whole.failed == split.failed == []
    assert stored_rows("split") == stored_rows("whole")
    visits = clinical.Encounter.objects.filter(source_system="split")
    assert visits.exists()
    assert not visits.filter(service_provider=None).exists()
    assert not visits.filter(practitioner=None).exists()


def test_a_conditional_create_an_earlier_record_answers_is_not_stored_again(tmp_path):
    import_paths(
        [
            write(tmp_path / "hospitalInformation1.json", bundles.hospital_information()),
            write(tmp_path / "practitionerInformation1.json", bundles.practitioner_information()),
        ]
    )
    # Another Synthea run: the same hospital and doctor under new ids, and a new ward naming
    # the hospital by its new fullUrl.
    hospital_again = bundles.hospital("a1c2e3f4-0000-3000-8000-0000000000aa")
    new_ward = {
        **bundles.ward(),
        "id": "a1c2e3f4-0000-3000-8000-0000000000ab",
        "identifier": [{"system": SYNTHEA_SYSTEM, "value": "a1c2e3f4-0000-3000-8000-0000000000ab"}],
        "name": "Riverside General Hospital, west wing",
        "managingOrganization": {"reference": f"urn:uuid:{hospital_again['id']}"},
    }
    doctor_again = bundles.physician("b1c2e3f4-0000-3000-8000-0000000000ac")
    second_run = [
        write(
            tmp_path / "hospitalInformation2.json",
            bundle(bundles.directory_entry(hospital_again), bundles.directory_entry(new_ward)),
        ),
        write(
            tmp_path / "practitionerInformation2.json",
            bundle(bundles.directory_entry(doctor_again)),
        ),
    ]

    report = import_paths(second_run)

    assert report.failed == []
    assert report.types["Organization"].unchanged == report.types["Practitioner"].unchanged == 1
    assert clinical.Organization.objects.get().fhir_id == HOSPITAL_ID
    assert clinical.Practitioner.objects.count() == 1
    west = clinical.Location.objects.get(name__endswith="west wing")
    assert west.organization.fhir_id == HOSPITAL_ID
    patient_report = import_paths([write(tmp_path / "A.json", bundles.synthea_patient_bundle())])
    assert patient_report.failed == []
    assert_visit_linked_to_the_directory()


def test_a_conditional_create_matching_two_earlier_records_fails_the_bundle(tmp_path):
    twin = bundles.hospital("a1c2e3f4-0000-3000-8000-0000000000ff", name="Riverside Annex")
    import_paths(
        [
            write(tmp_path / "hospitalInformation1.json", bundles.hospital_information()),
            write(tmp_path / "hospitalInformation2.json", bundle(entry(twin))),
        ]
    )
    third = bundles.hospital("a1c2e3f4-0000-3000-8000-0000000000aa")

    report = import_paths([write(tmp_path / "h3.json", bundle(bundles.directory_entry(third)))])

    [failure] = report.failed
    assert failure.entry_index == 0
    assert "to be created only if no record matches" in failure.reason
    assert "2 records imported before from source 'fhir-import' match it" in failure.reason


def test_a_reimport_after_the_directory_changes_nothing(tmp_path):
    import_paths([write(tmp_path / "hospitalInformation1.json", bundles.hospital_information())])
    import_paths([write(tmp_path / "p.json", bundles.practitioner_information())])
    patient_bundle = write(tmp_path / "Alice.json", bundles.synthea_patient_bundle())
    import_paths([patient_bundle])

    again = import_paths([patient_bundle])

    assert again.failed == []
    assert all(c.created == c.updated == 0 for c in again.types.values())


def test_a_reference_by_identifier_matching_nothing_fails_the_bundle_naming_file_and_entry(
    tmp_path, capsys
):
    path = write(tmp_path / "Alice.json", bundles.synthea_patient_bundle())

    with pytest.raises(CommandError, match="1 of 1 files failed"):
        call_command("import_fhir", str(path))

    err = capsys.readouterr().err
    assert f"{path}: entry 0: reference '{HOSPITAL_REFERENCE}' matches no resource" in err
    assert "nor any record imported before from source 'fhir-import'" in err
    assert clinical.Patient.objects.count() == clinical.Encounter.objects.count() == 0


def test_a_directory_imported_from_another_source_does_not_count(tmp_path):
    import_paths(
        [
            write(tmp_path / "hospitalInformation1.json", bundles.hospital_information()),
            write(tmp_path / "practitionerInformation1.json", bundles.practitioner_information()),
        ],
        source_system="another-ehr",
    )

    report = import_paths([write(tmp_path / "Alice.json", bundles.synthea_patient_bundle())])

    [failure] = report.failed
    assert failure.entry_index == 0
    assert "matches no resource in the bundle nor any record imported before" in failure.reason


def test_a_reference_by_identifier_matching_two_earlier_records_fails_the_bundle(tmp_path):
    second = bundles.hospital("a1c2e3f4-0000-3000-8000-0000000000ff", name="Riverside Annex")
    import_paths(
        [
            write(tmp_path / "hospitalInformation1.json", bundles.hospital_information()),
            write(tmp_path / "hospitalInformation2.json", bundle(entry(second))),
            write(tmp_path / "practitionerInformation1.json", bundles.practitioner_information()),
        ]
    )

    report = import_paths([write(tmp_path / "Alice.json", bundles.synthea_patient_bundle())])

    [failure] = report.failed
    assert failure.entry_index == 0
    assert f"reference '{HOSPITAL_REFERENCE}' matches no resource in the bundle and 2 records" in (
        failure.reason
    )
    assert clinical.Patient.objects.count() == 0


def test_a_patient_named_by_identifier_resolves_and_its_identifier_stays_out_of_errors(
    tmp_path,
):
    by_mrn = by_identifier("Patient", "https://riverside.example.org/mrn", "MRN-0042")
    result = {**bundles.glucose(), "subject": by_mrn}
    del result["encounter"]
    good = bundle(entry(bundles.clinic()), entry(bundles.patient()), entry(result))
    unknown = {**result, "subject": by_identifier("Patient", "https://x.example/mrn", "MRN-9")}

    report = import_paths(
        [write(tmp_path / "a.json", good), write(tmp_path / "b.json", bundle(entry(unknown)))]
    )

    assert clinical.Observation.objects.get().patient.mrn == "MRN-0042"
    [failure] = report.failed
    assert "reference 'Patient?identifier=https://x.example/mrn|…' matches no" in failure.reason
    assert "MRN-9" not in failure.reason


# Medicines named by reference -----------------------------------------------------------------


def medicine_bundle(medication_url: str, *extra: dict, **overrides) -> dict:
    return bundle(
        entry(bundles.clinic()),
        entry(bundles.doctor()),
        entry(bundles.patient()),
        entry(bundles.visit()),
        entry(
            bundles.prescription(
                medication_url, requester={"reference": bundles.DOCTOR_URL}, **overrides
            )
        ),
        *extra,
    )


def test_a_medication_named_by_reference_to_a_bundle_entry_keeps_its_code_and_name(tmp_path):
    medication = bundles.metformin()
    document = medicine_bundle(f"urn:uuid:{medication['id']}", entry(medication))

    report = import_paths([write(tmp_path / "rx.json", document)])

    assert report.failed == []
    request = clinical.MedicationRequest.objects.get()
    assert (request.code_system, request.code) == (RXNORM, "860975")
    assert request.display == "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet"


def test_a_medication_named_by_type_and_id_or_by_identifier_keeps_its_code(tmp_path):
    medication = {
        **bundles.metformin(),
        "identifier": [{"system": "urn:pharmacy", "value": "M-1"}],
    }
    by_id = medicine_bundle(f"Medication/{medication['id']}", entry(medication))
    by_code = medicine_bundle("Medication?identifier=urn:pharmacy|M-1", entry(medication))

    report = (
        import_paths([write(tmp_path / "a.json", by_id)], source_system="a"),
        import_paths([write(tmp_path / "b.json", by_code)], source_system="b"),
    )

    assert [r.failed for r in report] == [[], []]
    assert set(clinical.MedicationRequest.objects.values_list("code", flat=True)) == {"860975"}
    assert clinical.MedicationRequest.objects.count() == 2


def test_a_contained_medication_keeps_its_code_and_name(tmp_path):
    contained = {**bundles.metformin(), "id": "med"}
    document = medicine_bundle("#med", contained=[contained])

    report = import_paths([write(tmp_path / "rx.json", document)])

    assert report.failed == []
    request = clinical.MedicationRequest.objects.get()
    assert (request.code, request.display[:16]) == ("860975", "24 HR Metformin ")


def test_a_medication_without_a_name_is_named_by_the_references_display(tmp_path):
    medication = bundles.metformin()
    medication["code"] = {"coding": [{"system": RXNORM, "code": "860975"}]}
    document = medicine_bundle(
        f"urn:uuid:{medication['id']}",
        entry(medication),
        medicationReference={
            "reference": f"urn:uuid:{medication['id']}",
            "display": "Metformin 500 mg",
        },
    )

    import_paths([write(tmp_path / "rx.json", document)])

    request = clinical.MedicationRequest.objects.get()
    assert (request.code, request.display) == ("860975", "Metformin 500 mg")


def test_a_medication_changed_in_a_later_bundle_updates_the_request(tmp_path):
    medication = bundles.metformin()
    url = f"urn:uuid:{medication['id']}"
    import_paths([write(tmp_path / "1.json", medicine_bundle(url, entry(medication)))])
    medication["code"]["coding"][0]["display"] = "Metformin 500 mg extended release"

    report = import_paths([write(tmp_path / "2.json", medicine_bundle(url, entry(medication)))])

    assert report.types["MedicationRequest"].updated == 1
    assert clinical.MedicationRequest.objects.get().display == "Metformin 500 mg extended release"


def test_a_medication_reference_to_no_entry_or_no_contained_resource_fails_the_bundle(tmp_path):
    missing_entry = medicine_bundle("urn:uuid:c1c2e3f4-0000-3000-8000-0000000000aa")
    missing_contained = medicine_bundle("#nothing")

    report = import_paths(
        [write(tmp_path / "a.json", missing_entry), write(tmp_path / "b.json", missing_contained)]
    )

    first, second = report.failed
    assert first.entry_index == second.entry_index == 4
    assert "urn:uuid:c1c2e3f4-0000-3000-8000-0000000000aa, which is not in the bundle" in (
        first.reason
    )
    assert "contained Medication that is not there" in second.reason
    assert clinical.MedicationRequest.objects.count() == 0
