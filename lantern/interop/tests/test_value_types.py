"""Values keep the FHIR type the source gave, and results keep every range, interpretation and
note; dates given as words are kept as words (issue 11, points 4 and 5).

An integer stays `valueInteger`, a yes or no `valueBoolean` (not the string "No"), a ratio,
range, period or sampled data is kept as given (they were dropped before), and a component's
coded value keeps its code. The export writes back exactly the element the source gave.
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
from lantern.interop.fhir_export.mapping import export_observation
from lantern.interop.fhir_import import import_paths
from lantern.testing.factories import ObservationFactory

from . import bundles
from .bundles import TYPED_VALUES, write

pytestmark = pytest.mark.django_db

VALUE_TYPE = clinical.ObservationValueType


def imported(tmp_path) -> None:
    report = import_paths([write(tmp_path / "typed.json", bundles.typed_values_bundle())])
    assert not report.failed, report.failed


def exported() -> dict[str, dict[str, Any]]:
    """The patient's record as the export writes it (validated by fhir.resources), by id."""
    patient = clinical.Patient.objects.get()
    access = PatientAccess(user=None, patient=patient, role=ActorRole.SELF)
    return {e["resource"]["id"]: e["resource"] for e in record_bundle(access)["entry"]}


def observation(fhir_id: str) -> clinical.Observation:
    return clinical.Observation.objects.get(fhir_id=fhir_id)


def value_elements(resource: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in resource.items() if key.startswith("value")}


def test_each_value_is_stored_with_its_type_and_nothing_dropped(tmp_path):
    imported(tmp_path)

    stored = {fhir_id: observation(fhir_id) for fhir_id in TYPED_VALUES}
    by_element = {element: stored[fhir_id] for fhir_id, (element, _) in TYPED_VALUES.items()}
    assert {element: o.value_type for element, o in by_element.items()} == {
        "valueBoolean": VALUE_TYPE.BOOLEAN,
        "valueInteger": VALUE_TYPE.INTEGER,
        "valueRatio": VALUE_TYPE.RATIO,
        "valueRange": VALUE_TYPE.RANGE,
        "valuePeriod": VALUE_TYPE.PERIOD,
        "valueTime": VALUE_TYPE.TIME,
        "valueDateTime": VALUE_TYPE.DATE_TIME,
        "valueCodeableConcept": VALUE_TYPE.CODEABLE_CONCEPT,
        "valueString": VALUE_TYPE.STRING,
    }
    # A "no" is false, not the text "No".
    assert (by_element["valueBoolean"].value_data, by_element["valueBoolean"].value_string) == (
        False,
        "",
    )
    # An integer is the number trends, flags and sorting read.
    assert by_element["valueInteger"].value_quantity == 9
    assert by_element["valueRatio"].value_data == {
        "numerator": {"value": 1},
        "denominator": {"value": 128},
    }
    assert by_element["valueRange"].value_data["high"] == {"value": 5.0, "unit": "mg/L"}
    assert by_element["valuePeriod"].value_data == {"start": "2012-05-01", "end": "2012-05-03"}
    assert by_element["valueTime"].value_string == "14:30:00"
    assert by_element["valueDateTime"].value_string == "2012-05"
    coded = by_element["valueCodeableConcept"]
    assert (coded.value_code_system, coded.value_code, coded.value_code_display) == (
        bundles.SNOMED,
        "260385009",
        "Negative",
    )


@pytest.mark.parametrize("fhir_id", list(TYPED_VALUES), ids=[e for e, _ in TYPED_VALUES.values()])
def test_the_export_writes_back_exactly_the_value_element_the_source_gave(tmp_path, fhir_id):
    imported(tmp_path)

    written = exported()[fhir_id]

    assert value_elements(written) == TYPED_VALUES[fhir_id][1]


def test_each_component_keeps_its_type_a_coded_one_its_code_and_its_ranges(tmp_path):
    imported(tmp_path)

    panel = observation(bundles.PANEL_ID)
    types = [part["value_type"] for part in panel.components]
    assert types == [*(VALUE_TYPE(t) for t in _types_in_order()), VALUE_TYPE.QUANTITY]
    coded = next(p for p in panel.components if p["value_type"] == VALUE_TYPE.CODEABLE_CONCEPT)
    assert (coded["value_system"], coded["value_code"], coded["text"]) == (
        bundles.SNOMED,
        "260385009",
        "Negative",
    )
    written = exported()[bundles.PANEL_ID]["component"]
    given = bundles.typed_panel()["component"]
    assert [value_elements(part) for part in written] == [
        {**value_elements(part), **_coded_as_written(part)} for part in given
    ]
    # A part's own range and interpretation are kept and written back too.
    assert panel.components[-1]["reference_ranges"] == given[-1]["referenceRange"]
    assert written[-1]["referenceRange"] == given[-1]["referenceRange"]
    assert written[-1]["interpretation"] == given[-1]["interpretation"]


def _types_in_order() -> list[str]:
    names = {v: k for k, v in clinical.VALUE_ELEMENTS.items()}
    return [names[element] for element, _ in TYPED_VALUES.values()]


def _coded_as_written(part: dict[str, Any]) -> dict[str, Any]:
    """A component's coded value is written with its text, which the importer reads first."""
    if "valueCodeableConcept" not in part:
        return {}
    coding = part["valueCodeableConcept"]["coding"][0]
    return {
        "valueCodeableConcept": {
            "coding": [{"system": coding["system"], "code": coding["code"]}],
            "text": coding["display"],
        }
    }


def test_every_range_interpretation_and_note_is_kept_and_written_back(tmp_path):
    imported(tmp_path)

    hemoglobin = observation(bundles.RANGES_ID)
    source = bundles.hemoglobin_with_ranges()
    assert hemoglobin.reference_ranges == source["referenceRange"]
    assert hemoglobin.interpretations == [
        {"code": "L", "display": "Low"},
        {"code": "A", "display": "Abnormal"},
    ]
    # The first range and interpretation stay in the columns the flags read.
    assert (hemoglobin.reference_low, hemoglobin.reference_high) == (12.0, 15.5)
    assert hemoglobin.interpretation == "L"
    assert hemoglobin.note == "Repeat in 3 months.\nTake iron with food."

    written = exported()[bundles.RANGES_ID]
    assert written["referenceRange"] == source["referenceRange"]
    assert [c["coding"][0]["code"] for c in written["interpretation"]] == ["L", "A"]
    assert written["note"] == [{"text": "Repeat in 3 months.\nTake iron with food."}]


def test_a_ranges_text_is_kept_when_it_is_the_only_range(tmp_path):
    source = bundles.typed_values_bundle()
    glucose = bundles.glucose()
    del glucose["encounter"]
    glucose["referenceRange"] = [{"text": "Under 100 when fasting"}]
    source["entry"].append(bundles.entry(glucose))
    import_paths([write(tmp_path / "typed.json", source)])

    stored = observation(glucose["id"])

    assert stored.reference_text == "Under 100 when fasting"
    assert exported()[glucose["id"]]["referenceRange"] == [{"text": "Under 100 when fasting"}]


def test_dates_given_as_words_are_kept_and_written_back_as_words(tmp_path):
    imported(tmp_path)

    vaccine = clinical.Immunization.objects.get()
    problem = clinical.Condition.objects.get()
    procedure = clinical.Procedure.objects.get()
    allergy = clinical.AllergyIntolerance.objects.get()
    assert (vaccine.occurred_at, vaccine.date_texts) == (None, {"occurred_at": "Fall 2012"})
    assert problem.date_texts == {"onset_at": "Childhood", "abated_at": "Age 12"}
    assert procedure.date_texts == {"performed_start": "Summer 2005"}
    assert allergy.date_texts == {"onset_at": "As a teenager"}

    written = exported()
    assert written[bundles.WORDED_VACCINE_ID]["occurrenceString"] == "Fall 2012"
    assert "occurrenceDateTime" not in written[bundles.WORDED_VACCINE_ID]
    assert written[bundles.WORDED_PROBLEM_ID]["onsetString"] == "Childhood"
    assert written[bundles.WORDED_PROBLEM_ID]["abatementString"] == "Age 12"
    assert written[bundles.WORDED_PROCEDURE_ID]["performedString"] == "Summer 2005"
    assert written[bundles.WORDED_ALLERGY_ID]["onsetString"] == "As a teenager"


def test_the_typed_record_imports_back_to_the_same_data(tmp_path):
    assert_round_trip(write(tmp_path / "typed.json", bundles.typed_values_bundle()), tmp_path)


def test_reimporting_the_typed_record_changes_nothing(tmp_path):
    path = write(tmp_path / "typed.json", bundles.typed_values_bundle())
    import_paths([path])

    again = import_paths([path])

    for name, counts in again.as_json()["types"].items():
        assert counts["created"] == counts["updated"] == 0, name


def test_a_value_stored_before_types_were_kept_is_exported_as_its_columns_say(alice):
    number = ObservationFactory(patient=alice.patient, value_quantity=7.0)
    words = ObservationFactory(patient=alice.patient, value_quantity=None, value_string="Clear")
    clinical.Observation.objects.update(value_type="")
    number.refresh_from_db()
    words.refresh_from_db()

    assert value_elements(export_observation(number)) == {
        "valueQuantity": {
            "value": 7.0,
            "unit": "%",
            "system": "http://unitsofmeasure.org",
            "code": "%",
        }
    }
    assert value_elements(export_observation(words)) == {"valueString": "Clear"}


@pytest.mark.django_db(transaction=True)
def test_values_stored_before_types_were_kept_are_typed_and_completed_at_the_next_import(
    tmp_path,
):
    path = write(tmp_path / "typed.json", bundles.typed_values_bundle())
    import_paths([path])
    executor = MigrationExecutor(connection)
    # Forward again to every app's latest: going back also took out what depends on clinical.
    latest = executor.loader.graph.leaf_nodes()
    # Back to the schema without types (the columns go), and forward again: the records are as
    # an import before this change left them, their types read from their columns.
    executor.migrate([("clinical", "0004_date_precisions")])
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    integer_id = next(i for i, (element, _) in TYPED_VALUES.items() if element == "valueInteger")
    assert observation(integer_id).value_type == VALUE_TYPE.QUANTITY
    assert observation(bundles.RANGES_ID).reference_ranges == []
    coded_id = next(i for i, (e, _) in TYPED_VALUES.items() if e == "valueCodeableConcept")
    coded = observation(coded_id)
    assert coded.value_type == VALUE_TYPE.CODEABLE_CONCEPT

    again = import_paths([path])

    assert again.types["Observation"].updated == len(TYPED_VALUES) + 2
    assert observation(integer_id).value_type == VALUE_TYPE.INTEGER
    assert len(observation(bundles.RANGES_ID).reference_ranges) == 3
    assert clinical.Immunization.objects.get().date_texts == {"occurred_at": "Fall 2012"}
