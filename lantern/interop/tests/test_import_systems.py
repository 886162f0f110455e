"""The importer keeps each code's system and a unit's UCUM code; the export writes them back.

A visit's class, type and reason, a report's category and each component's code keep the system
the source gave them; a quantity whose unit text is not its UCUM code (`mcg/mL` for `ug/mL`) keeps
the code too. A code the source gave without a system is written without one.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.clinical import models as clinical
from lantern.downloads.tests.test_round_trip import assert_round_trip
from lantern.interop.fhir_export import record_bundle
from lantern.interop.fhir_import import import_paths

from . import bundles
from .bundles import bundle, entry, write

pytestmark = pytest.mark.django_db

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
SECTIONS = "http://terminology.hl7.org/CodeSystem/v2-0074"
UCUM = "http://unitsofmeasure.org"
LAB_UNITS = "https://lab.example.org/units"


def visit() -> dict[str, Any]:
    return {
        **bundles.visit(),
        "class": {"system": ACT_CODE, "code": "AMB"},
        "type": [
            {
                "coding": [{"system": SNOMED, "code": "185349003", "display": "Check-up"}],
                "text": "Check-up",
            }
        ],
        "reasonCode": [
            {
                "coding": [{"system": SNOMED, "code": "10509002", "display": "Acute bronchitis"}],
                "text": "Acute bronchitis",
            }
        ],
    }


def drug_level() -> dict[str, Any]:
    """A vancomycin level whose unit's text (`mcg/mL`) is not its UCUM code (`ug/mL`)."""
    return {
        **bundles.glucose("abababab-abab-4bab-8bab-abababababab", 18.0),
        "code": {"coding": [{"system": LOINC, "code": "20578-1", "display": "Vancomycin"}]},
        "valueQuantity": {"value": 18.0, "unit": "mcg/mL", "system": UCUM, "code": "ug/mL"},
        "component": [
            {
                "code": {"coding": [{"system": LOINC, "code": "4090-7", "display": "Trough"}]},
                "valueQuantity": {"value": 12.5, "unit": "mcg/mL", "system": UCUM, "code": "ug/mL"},
            },
            {
                # A code in a laboratory's own system is not UCUM's: not kept as a UCUM code.
                "code": {"coding": [{"system": LOINC, "code": "4092-3", "display": "Peak"}]},
                "valueQuantity": {"value": 30, "unit": "mcg/mL", "system": LAB_UNITS, "code": "M"},
            },
        ],
    }


def panel() -> dict[str, Any]:
    return {
        **bundles.panel(f"urn:uuid:{drug_level()['id']}"),
        "category": [{"coding": [{"system": SECTIONS, "code": "LAB", "display": "Laboratory"}]}],
    }


def coded_bundle() -> dict[str, Any]:
    return bundle(
        entry(bundles.clinic()),
        entry(bundles.doctor()),
        entry(bundles.patient()),
        entry(visit()),
        entry(drug_level()),
        entry(bundles.blood_pressure()),
        entry(panel()),
    )


def exported_record() -> dict[str, dict[str, Any]]:
    patient = clinical.Patient.objects.get()
    access = PatientAccess(user=None, patient=patient, role=ActorRole.SELF)
    return {entry["resource"]["id"]: entry["resource"] for entry in record_bundle(access)["entry"]}


def test_a_visits_class_type_and_reason_keep_their_systems(tmp_path):
    import_paths([write(tmp_path / "coded.json", coded_bundle())])

    stored = clinical.Encounter.objects.get()
    assert (stored.class_system, stored.class_code) == (ACT_CODE, "AMB")
    assert (stored.type_system, stored.type_code) == (SNOMED, "185349003")
    assert (stored.reason_system, stored.reason_code) == (SNOMED, "10509002")
    written = exported_record()[visit()["id"]]
    assert written["class"] == {"system": ACT_CODE, "code": "AMB"}
    assert written["type"][0]["coding"] == [{"system": SNOMED, "code": "185349003"}]
    assert written["reasonCode"][0]["coding"] == [{"system": SNOMED, "code": "10509002"}]


def test_a_reports_category_keeps_its_system(tmp_path):
    import_paths([write(tmp_path / "coded.json", coded_bundle())])

    stored = clinical.DiagnosticReport.objects.get()
    assert (stored.category_system, stored.category_code) == (SECTIONS, "LAB")
    assert stored.kind == clinical.ReportKind.LABORATORY
    written = exported_record()[panel()["id"]]
    assert written["category"] == [{"coding": [{"system": SECTIONS, "code": "LAB"}]}]


def test_a_reports_category_is_the_first_with_a_code_and_keeps_that_codings_system(tmp_path):
    report = {
        **panel(),
        "category": [
            {"text": "Drug levels"},
            {"coding": [{"system": LOINC, "code": "LP29693-6"}]},
            {"coding": [{"system": SECTIONS, "code": "CH"}]},
        ],
    }
    source = coded_bundle()
    source["entry"][-1] = entry(report)

    import_paths([write(tmp_path / "coded.json", source)])

    stored = clinical.DiagnosticReport.objects.get()
    assert (stored.category_system, stored.category_code) == (LOINC, "LP29693-6")


def test_each_component_keeps_its_codes_system_and_its_units_ucum_code(tmp_path):
    import_paths([write(tmp_path / "coded.json", coded_bundle())])

    level = clinical.Observation.objects.get(code="20578-1")
    assert (level.value_unit, level.value_unit_code) == ("mcg/mL", "ug/mL")
    assert [(c["system"], c["code"], c["unit"], c["unit_code"]) for c in level.components] == [
        (LOINC, "4090-7", "mcg/mL", "ug/mL"),
        (LOINC, "4092-3", "mcg/mL", ""),
    ]
    written = exported_record()[drug_level()["id"]]
    ucum_level = {"unit": "mcg/mL", "system": UCUM, "code": "ug/mL"}
    assert written["valueQuantity"] == {"value": 18.0, **ucum_level}
    trough, peak = written["component"]
    assert trough["code"]["coding"] == [{"system": LOINC, "code": "4090-7", "display": "Trough"}]
    assert trough["valueQuantity"] == {"value": 12.5, **ucum_level}
    # Not UCUM's code, and `mcg/mL` is not UCUM: the unit stays text, no code guessed.
    assert peak["valueQuantity"] == {"value": 30, "unit": "mcg/mL"}


@pytest.mark.parametrize(
    ("quantity", "unit", "unit_code"),
    [
        # The text is the code: nothing more to keep (the export writes it back as UCUM).
        ({"value": 1, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"}, "mg/dL", ""),
        ({"value": 1, "system": UCUM, "code": "mg/dL"}, "mg/dL", ""),
        ({"value": 1, "unit": "mcg/mL", "system": UCUM, "code": "ug/mL"}, "mcg/mL", "ug/mL"),
        # A code without a system, or in another system, is not claimed as UCUM's.
        ({"value": 1, "unit": "mcg/mL", "code": "ug/mL"}, "mcg/mL", ""),
        ({"value": 1, "unit": "mcg/mL", "system": LAB_UNITS, "code": "M"}, "mcg/mL", ""),
    ],
)
def test_a_units_ucum_code_is_kept_only_when_ucums_and_not_its_text(
    tmp_path, quantity, unit, unit_code
):
    level = {**drug_level(), "valueQuantity": quantity, "component": []}
    patient = bundles.patient()
    del patient["managingOrganization"], level["encounter"]
    source = bundle(entry(patient), entry(level))

    report = import_paths([write(tmp_path / "level.json", source)])

    assert not report.failed, report.failed
    stored = clinical.Observation.objects.get()
    assert (stored.value_unit, stored.value_unit_code) == (unit, unit_code)


def test_codes_the_source_gave_without_a_system_are_exported_without_one(tmp_path):
    # The shared test bundle gives the visit's class and type and the panel's category no system.
    source = bundles.full_bundle()

    import_paths([write(tmp_path / "plain.json", source)])

    assert clinical.Encounter.objects.get().class_system == ""
    assert clinical.DiagnosticReport.objects.get().category_system == ""
    written = exported_record()
    assert written[bundles.visit()["id"]]["class"] == {"code": "AMB"}
    assert written[bundles.visit()["id"]]["type"][0]["coding"] == [{"code": "185349003"}]
    assert written[bundles.panel()["id"]]["category"] == [{"coding": [{"code": "LAB"}]}]


def test_a_record_with_systems_and_ucum_codes_imports_back_the_same(tmp_path):
    assert_round_trip(write(tmp_path / "coded.json", coded_bundle()), tmp_path)

    visit_b = clinical.Encounter.objects.get(source_system="b")
    assert (visit_b.class_system, visit_b.type_system, visit_b.reason_system) == (
        ACT_CODE,
        SNOMED,
        SNOMED,
    )
    level_b = clinical.Observation.objects.get(source_system="b", code="20578-1")
    assert level_b.value_unit_code == "ug/mL"
    assert clinical.DiagnosticReport.objects.get(source_system="b").category_system == SECTIONS


def test_reimporting_the_same_coded_bundle_changes_nothing(tmp_path):
    path = write(tmp_path / "coded.json", coded_bundle())
    import_paths([path])
    stamps = {
        model.__name__: list(model.objects.order_by("pk").values_list("updated_at", flat=True))
        for model in (clinical.Encounter, clinical.Observation, clinical.DiagnosticReport)
    }

    again = import_paths([path])

    for name, counts in again.as_json()["types"].items():
        assert counts["created"] == counts["updated"] == 0, name
    for model in (clinical.Encounter, clinical.Observation, clinical.DiagnosticReport):
        stamps_now = list(model.objects.order_by("pk").values_list("updated_at", flat=True))
        assert stamps_now == stamps[model.__name__]


def level_of(model: type) -> Any:
    return model.objects.get(code="20578-1")


@pytest.mark.parametrize(
    ("resource_id", "change", "stored"),
    [
        (
            visit()["id"],
            lambda r: r["class"].update(system="https://ehr.example.org/classes"),
            lambda: (
                clinical.Encounter.objects.get().class_system == "https://ehr.example.org/classes"
            ),
        ),
        (
            visit()["id"],
            lambda r: r["reasonCode"][0]["coding"][0].update(system=LOINC),
            lambda: clinical.Encounter.objects.get().reason_system == LOINC,
        ),
        (
            panel()["id"],
            lambda r: r["category"][0]["coding"][0].pop("system"),
            lambda: clinical.DiagnosticReport.objects.get().category_system == "",
        ),
        (
            drug_level()["id"],
            lambda r: r["valueQuantity"].update(code="ug/L"),
            lambda: level_of(clinical.Observation).value_unit_code == "ug/L",
        ),
        (
            drug_level()["id"],
            lambda r: r["component"][0]["code"]["coding"][0].pop("system"),
            lambda: level_of(clinical.Observation).components[0]["system"] == "",
        ),
    ],
)
def test_a_changed_system_or_unit_code_is_an_update(tmp_path, resource_id, change, stored):
    import_paths([write(tmp_path / "first.json", coded_bundle())])
    changed = coded_bundle()
    resource = next(e["resource"] for e in changed["entry"] if e["resource"]["id"] == resource_id)
    change(resource)

    report = import_paths([write(tmp_path / "second.json", changed)])

    assert report.types[resource["resourceType"]].updated == 1
    assert sum(counts.updated for counts in report.types.values()) == 1
    assert stored()


@pytest.mark.django_db(transaction=True)
def test_records_imported_before_systems_were_kept_get_them_at_the_next_import(tmp_path):
    path = write(tmp_path / "coded.json", coded_bundle())
    import_paths([path])
    executor = MigrationExecutor(connection)
    # Forward again to every app's latest: going back also took out what depends on clinical.
    latest = executor.loader.graph.leaf_nodes()
    # Back to the schema without the systems (their columns go), and forward again: the
    # records are as an import before this change left them.
    executor.migrate([("clinical", "0002_patient_index_from_composites")])
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    assert clinical.Encounter.objects.get().class_system == ""

    again = import_paths([path])

    assert again.types["Encounter"].updated == 1
    assert again.types["DiagnosticReport"].updated == 1
    assert again.types["Observation"].updated == 2
    assert clinical.Encounter.objects.get().class_system == ACT_CODE
    assert clinical.DiagnosticReport.objects.get().category_system == SECTIONS
    assert clinical.Observation.objects.get(code="20578-1").value_unit_code == "ug/mL"
    # And from then on an unchanged source changes nothing again.
    assert sum(counts.updated for counts in import_paths([path]).types.values()) == 0
