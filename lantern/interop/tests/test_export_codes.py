"""The FHIR export writes codes with their systems, UCUM units as codes, and no invented code.

FHIR treats a coded value as the pair of system and code (R4 "Using Codes in Resources"); a
Quantity's code needs its system (qty-3); HL7's observation category system has nine codes, and
Lantern's `other` (no category given) is not one of them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.clinical import models as clinical
from lantern.interop.fhir_export import mapping, record_bundle
from lantern.interop.fhir_export.datatypes import DATA_ABSENT_REASON
from lantern.interop.fhir_export.ucum import UCUM_SYSTEM, is_ucum
from lantern.interop.fhir_import import import_paths

from .bundles import DEMO_BUNDLES

DEMO_RECORD = next(DEMO_BUNDLES.glob("Jill_Tillman_*.json"))
OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY_CODES = {
    "social-history",
    "vital-signs",
    "imaging",
    "laboratory",
    "procedure",
    "survey",
    "exam",
    "therapy",
    "activity",
}
Resource = dict[str, Any]


def codings(node: Any, path: str) -> Iterator[tuple[str, Resource]]:
    """Every Coding in a resource, with the path of the element that holds it."""
    if isinstance(node, list):
        for item in node:
            yield from codings(item, path)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "coding":
                for coding in value:
                    yield path, coding
            elif path == "Encounter" and key == "class":
                yield "Encounter.class", value
            else:
                yield from codings(value, f"{path}.{key}")


def quantities(resource: Resource) -> Iterator[Resource]:
    yield from [resource.get("valueQuantity")] if "valueQuantity" in resource else []
    for component in resource.get("component", []):
        yield from [component["valueQuantity"]] if "valueQuantity" in component else []
    for reference_range in resource.get("referenceRange", []):
        yield from (reference_range[end] for end in ("low", "high") if end in reference_range)


def by_id(bundle: Resource, resource_type: str) -> dict[str, Resource]:
    return {
        entry["resource"]["id"]: entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == resource_type
    }


@pytest.fixture
def demo_export(db) -> tuple[Resource, Resource]:
    """The demo patient's bundle as Synthea wrote it, and Lantern's export of its import."""
    report = import_paths([DEMO_RECORD], source_system="demo", workers=1)
    assert not report.failed, report.failed
    patient = clinical.Patient.objects.get(source_system="demo")
    access = PatientAccess(user=None, patient=patient, role=ActorRole.SELF)
    return json.loads(DEMO_RECORD.read_text()), record_bundle(access)


def without_system(bundle: Resource) -> set[str]:
    """The elements of a bundle where a code is written without its system."""
    return {
        path
        for entry in bundle["entry"]
        for path, coding in codings(entry["resource"], entry["resource"]["resourceType"])
        if not coding.get("system") and coding.get("extension") is None
    }


def test_every_code_of_the_demo_record_is_exported_with_a_system(demo_export):
    source, exported = demo_export

    # Synthea gave every code its system; so does the export (visit class, type and reason,
    # component codes and report categories included).
    assert without_system(source) == set()
    assert without_system(exported) == set()


def test_the_demo_records_codes_keep_the_system_synthea_gave_them(demo_export):
    source, exported = demo_export
    checked: set[str] = set()
    for resource_type in ("Observation", "DiagnosticReport", "Patient", "Condition", "Encounter"):
        written = by_id(exported, resource_type)
        for fhir_id, resource in by_id(source, resource_type).items():
            if fhir_id not in written:
                continue
            given = {
                (path, c.get("system"), c.get("code"))
                for path, c in codings(resource, resource_type)
            }
            kept = {
                (path, c.get("system"), c.get("code"))
                for path, c in codings(written[fhir_id], resource_type)
            }
            # Lantern keeps a concept's first coding, so what it writes is what Synthea gave.
            assert kept <= given, (resource_type, fhir_id, kept - given)
            checked |= {path for path, _system, _code in kept}
    assert checked >= {
        "Encounter.class",
        "Encounter.type",
        "Encounter.reasonCode",
        "Observation.code",
        "Observation.component.code",
        "DiagnosticReport.category",
    }


def test_the_demo_records_ucum_units_and_categories_are_exported_as_codes(demo_export):
    source, exported = demo_export
    written = by_id(exported, "Observation")
    coded = 0
    for fhir_id, observation in by_id(source, "Observation").items():
        for given, kept in zip(quantities(observation), quantities(written[fhir_id]), strict=True):
            if given.get("system") == UCUM_SYSTEM:
                assert (kept["system"], kept["code"]) == (UCUM_SYSTEM, given["code"])
                coded += 1
    assert coded > 50
    for observation in written.values():
        for quantity in quantities(observation):
            # FHIR's qty-3: a unit code is never without its system.
            assert "code" not in quantity or quantity["system"] == UCUM_SYSTEM
            assert ("code" in quantity) == is_ucum(quantity.get("unit", ""))

    # And no observation category is a code HL7's observation category system lacks.
    categories = [
        (coding.get("system"), coding.get("code"))
        for observation in written.values()
        for category in observation.get("category", [])
        for coding in category.get("coding", [])
    ]

    assert categories
    assert {system for system, _code in categories} == {OBSERVATION_CATEGORY_SYSTEM}
    assert {code for _system, code in categories} <= OBSERVATION_CATEGORY_CODES


# The mapping on its own (pure functions, no database) ------------------------------------------


def valid(resource: Resource) -> Resource:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def observation(**fields: Any) -> clinical.Observation:
    defaults = {"category": clinical.ObservationCategory.LABORATORY, "display": "Glucose"}
    return clinical.Observation(
        fhir_id="obs-1",
        patient_id=uuid.uuid4(),
        status="final",
        code_system="http://loinc.org",
        code="2345-7",
        **{**defaults, **fields},
    )


def test_an_observation_of_no_category_is_exported_without_one_not_as_other():
    resource = valid(
        mapping.export_observation(observation(category=clinical.ObservationCategory.OTHER))
    )

    assert "category" not in resource


@pytest.mark.parametrize("category", sorted(OBSERVATION_CATEGORY_CODES))
def test_each_observation_category_is_exported_as_hl7s_code(category):
    resource = valid(mapping.export_observation(observation(category=category)))

    assert resource["category"] == [
        {"coding": [{"system": OBSERVATION_CATEGORY_SYSTEM, "code": category}]}
    ]


def test_every_category_lantern_keeps_but_other_is_a_code_of_hl7s_system():
    assert set(clinical.ObservationCategory.values) - {"other"} == OBSERVATION_CATEGORY_CODES


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("mg/dL", {"unit": "mg/dL", "system": UCUM_SYSTEM, "code": "mg/dL"}),
        ("10*3/uL", {"unit": "10*3/uL", "system": UCUM_SYSTEM, "code": "10*3/uL"}),
        ("mm[Hg]", {"unit": "mm[Hg]", "system": UCUM_SYSTEM, "code": "mm[Hg]"}),
        (
            "mL/min/{1.73_m2}",
            {"unit": "mL/min/{1.73_m2}", "system": UCUM_SYSTEM, "code": "mL/min/{1.73_m2}"},
        ),
        ("{score}", {"unit": "{score}", "system": UCUM_SYSTEM, "code": "{score}"}),
        # Not UCUM: the unit stays as text, with no code guessed for it.
        ("mmHg", {"unit": "mmHg"}),
        ("beats/min", {"unit": "beats/min"}),
        ("(score)", {"unit": "(score)"}),
        ("µg/L", {"unit": "µg/L"}),
    ],
)
def test_a_value_carries_ucum_system_and_code_only_when_its_unit_is_ucum(unit, expected):
    resource = valid(mapping.export_observation(observation(value_quantity=5.0, value_unit=unit)))

    assert resource["valueQuantity"] == {"value": 5.0, **expected}


def test_a_component_value_carries_ucum_and_a_component_without_code_is_text():
    components = [
        {"code": "8480-6", "display": "Systolic", "value": 120.0, "unit": "mm[Hg]"},
        {"code": "", "display": "Cuff size", "value": None, "unit": "", "text": "Large"},
    ]

    resource = valid(mapping.export_observation(observation(components=components)))

    assert resource["component"][0]["valueQuantity"] == {
        "value": 120.0,
        "unit": "mm[Hg]",
        "system": UCUM_SYSTEM,
        "code": "mm[Hg]",
    }
    assert resource["component"][1] == {"code": {"text": "Cuff size"}, "valueString": "Large"}


def test_a_coded_answer_without_a_code_is_text_not_a_coding_without_system():
    resource = valid(mapping.export_observation(observation(value_code_display="Positive")))

    assert resource["valueCodeableConcept"] == {"text": "Positive"}


def report(category_code: str, kind: str, category_system: str = "") -> clinical.DiagnosticReport:
    return clinical.DiagnosticReport(
        fhir_id="report-1",
        patient_id=uuid.uuid4(),
        status="final",
        kind=kind,
        category_system=category_system,
        category_code=category_code,
        display="Panel",
    )


@pytest.mark.parametrize(
    ("code", "kind", "system"),
    [
        ("LAB", clinical.ReportKind.LABORATORY, "http://terminology.hl7.org/CodeSystem/v2-0074"),
        ("CT", clinical.ReportKind.IMAGING, "http://terminology.hl7.org/CodeSystem/v2-0074"),
        ("LP29684-5", clinical.ReportKind.IMAGING, "http://loinc.org"),
        ("18748-4", clinical.ReportKind.IMAGING, "http://loinc.org"),
        ("CARDIO", clinical.ReportKind.OTHER, "https://lab.example.org/sections"),
    ],
)
def test_a_report_category_is_written_with_the_system_the_record_holds(code, kind, system):
    resource = valid(mapping.export_diagnostic_report(report(code, kind, system), []))

    assert resource["category"] == [{"coding": [{"system": system, "code": code}]}]


@pytest.mark.parametrize("code", ["LAB", "CARDIO"])
def test_a_report_category_the_source_gave_without_a_system_gets_no_guessed_system(code):
    resource = valid(mapping.export_diagnostic_report(report(code, clinical.ReportKind.OTHER), []))

    assert resource["category"][0] == {"coding": [{"code": code}]}


def test_a_preferred_language_is_a_bcp_47_code():
    patient = clinical.Patient(
        fhir_id="p-1",
        family_name="Adams",
        preferred_language="en-US",
        preferred_language_display="English (United States)",
    )

    resource = valid(mapping.export_patient(patient))

    assert resource["communication"][0]["language"] == {
        "coding": [
            {"system": "urn:ietf:bcp:47", "code": "en-US", "display": "English (United States)"}
        ]
    }


def test_a_visit_of_no_class_and_a_reaction_of_no_manifestation_are_marked_unknown():
    visit = clinical.Encounter(fhir_id="v-1", patient_id=uuid.uuid4(), status="finished")
    allergy = clinical.AllergyIntolerance(
        fhir_id="a-1", patient_id=uuid.uuid4(), display="Peanut", reactions=[{"severity": "mild"}]
    )
    unknown = {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": "unknown"}]}

    assert valid(mapping.export_encounter(visit))["class"] == unknown
    assert valid(mapping.export_allergy(allergy))["reaction"][0]["manifestation"] == [unknown]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("H", [{"system": INTERPRETATION_SYSTEM, "code": "H", "display": "High"}]),
        ("LL", [{"system": INTERPRETATION_SYSTEM, "code": "LL", "display": "High"}]),
        # A laboratory's own code is not claimed as HL7's.
        ("HIGH", [{"code": "HIGH", "display": "High"}]),
    ],
)
def test_an_interpretation_is_hl7s_only_when_its_code_is_one_of_hl7s(code, expected):
    resource = valid(
        mapping.export_observation(
            observation(interpretation=code, interpretation_display="High", value_quantity=1.0)
        )
    )

    assert resource["interpretation"] == [{"coding": expected}]


def test_a_visits_class_type_and_reason_are_written_with_the_systems_the_record_holds():
    visit = clinical.Encounter(
        fhir_id="v-1",
        patient_id=uuid.uuid4(),
        status="finished",
        class_system="http://terminology.hl7.org/CodeSystem/v3-ActCode",
        class_code="AMB",
        type_system="http://snomed.info/sct",
        type_code="185349003",
        type_display="Check-up",
        reason_system="http://snomed.info/sct",
        reason_code="10509002",
        reason_display="Acute bronchitis",
    )

    resource = valid(mapping.export_encounter(visit))

    assert resource["class"] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "AMB",
    }
    assert resource["type"] == [
        {"coding": [{"system": "http://snomed.info/sct", "code": "185349003"}], "text": "Check-up"}
    ]
    assert resource["reasonCode"] == [
        {
            "coding": [{"system": "http://snomed.info/sct", "code": "10509002"}],
            "text": "Acute bronchitis",
        }
    ]


def test_a_visits_codes_given_without_a_system_are_written_without_one():
    visit = clinical.Encounter(
        fhir_id="v-1",
        patient_id=uuid.uuid4(),
        status="finished",
        class_code="AMB",
        type_code="185349003",
        type_display="Check-up",
    )

    resource = valid(mapping.export_encounter(visit))

    assert resource["class"] == {"code": "AMB"}
    assert resource["type"] == [{"coding": [{"code": "185349003"}], "text": "Check-up"}]


def test_a_stored_ucum_code_is_written_with_the_units_text():
    components = [
        {"code": "2", "display": "Part", "value": 1.0, "unit": "mcg/mL", "unit_code": "ug/mL"}
    ]
    resource = valid(
        mapping.export_observation(
            observation(
                value_quantity=5.0,
                value_unit="mcg/mL",
                value_unit_code="ug/mL",
                components=components,
            )
        )
    )

    expected = {"unit": "mcg/mL", "system": UCUM_SYSTEM, "code": "ug/mL"}
    assert resource["valueQuantity"] == {"value": 5.0, **expected}
    assert resource["component"][0]["valueQuantity"] == {"value": 1.0, **expected}


def test_a_component_code_is_written_with_its_system_when_the_record_holds_one():
    components = [
        {"system": "http://loinc.org", "code": "8480-6", "display": "Systolic", "value": 120.0}
    ]

    resource = valid(mapping.export_observation(observation(components=components)))

    assert resource["component"][0]["code"] == {
        "coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic"}]
    }
