"""Every kind of value reads as a patient reads it, with every normal range and the comment
(issue 11, points 4 and 5).

A yes or no is "Yes" or "No", a titer "1:128", a value given as a range "2.5 to 5 mg/L", a
period as dates, a time as a time, a coded answer by its name; a result with a range for women
and one for men shows both, and the range the lab gave only in words.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.clinical import models as clinical
from lantern.interop.fhir_import import import_paths
from lantern.interop.tests import bundles
from lantern.interop.tests.bundles import TYPED_VALUES, write
from lantern.results import flags
from lantern.testing.auth import sign_in
from lantern.testing.factories import DiagnosticReportFactory

pytestmark = pytest.mark.django_db

# The words of each value type, by the FHIR element the source gave.
WORDS = {
    "valueBoolean": "No",
    "valueInteger": "9",
    "valueRatio": "1:128",
    "valueRange": "2.5 to 5 mg/L",
    "valuePeriod": "May 1, 2012 to May 3, 2012",
    "valueTime": "2:30 PM",
    "valueDateTime": "May 2012",
    "valueCodeableConcept": "Negative",
    "valueString": "Clear",
}
RANGES = (
    "Normal range: Women: 12 to 15.5 g/dL; Men, age 18 years or higher: 13.5 to 17.5 g/dL; "
    "Lower in pregnancy"
)


def import_for(user, tmp_path) -> None:
    """Import the typed bundle, then give its results to `user`'s patient."""
    report = import_paths([write(tmp_path / "typed.json", bundles.typed_values_bundle())])
    assert not report.failed, report.failed
    clinical.Observation.objects.update(patient=user.patient)


def observation(fhir_id: str) -> clinical.Observation:
    return clinical.Observation.objects.get(fhir_id=fhir_id)


def value_cell(row: str) -> str:
    """The text of a result row's "Your value" cell."""
    start = row.index('data-label="Your value">') + len('data-label="Your value">')
    return row[start : row.index("</td>", start)].strip()


def test_each_value_type_is_worded_as_a_patient_reads_it(alice, tmp_path):
    import_for(alice, tmp_path)

    words = {
        element: flags.value_in_words(observation(fhir_id))
        for fhir_id, (element, _) in TYPED_VALUES.items()
    }

    assert words == WORDS


def test_a_yes_is_yes_and_a_time_keeps_the_minutes(alice, tmp_path):
    import_for(alice, tmp_path)
    answer = observation(next(iter(TYPED_VALUES)))

    answer.value_data = True
    assert flags.value_in_words(answer) == "Yes"
    answer.value_type, answer.value_string = clinical.ObservationValueType.TIME, "07:05:00"
    assert flags.value_in_words(answer) == "7:05 AM"


def test_each_part_of_a_panel_is_worded_by_its_type(alice, tmp_path):
    import_for(alice, tmp_path)

    parts = dict(flags.component_rows_in_words(observation(bundles.PANEL_ID)))

    assert parts == {**WORDS, "Glucose": "110 mg/dL"}


def test_every_range_is_worded_with_whom_it_applies_to_and_the_labs_words(alice, tmp_path):
    import_for(alice, tmp_path)

    assert flags.range_in_words(observation(bundles.RANGES_ID)) == RANGES


def test_a_range_with_numbers_and_words_shows_both():
    given = {"low": {"value": 70}, "high": {"value": 99}, "text": "when fasting"}

    assert flags.one_range_words(given, "mg/dL") == "70 to 99 mg/dL (when fasting)"


def test_the_result_page_shows_each_value_type_every_range_and_the_comment(alice, tmp_path):
    import_for(alice, tmp_path)
    report = DiagnosticReportFactory(patient=alice.patient, display="Mixed panel")
    fhir_ids = [*TYPED_VALUES, bundles.PANEL_ID, bundles.RANGES_ID]
    for position, fhir_id in enumerate(fhir_ids):
        clinical.DiagnosticReportResult.objects.create(
            report=report, observation=observation(fhir_id), position=position
        )

    response = sign_in(Client(), alice).get(
        reverse("results:detail", kwargs={"patient_id": alice.patient_id, "report_id": report.pk})
    )

    content = response.content.decode()
    assert response.status_code == 200
    values = content.split('data-testid="result-value"')[1:]
    assert len(values) == len(fhir_ids)
    for row, words in zip(values, WORDS.values(), strict=False):
        assert value_cell(row).startswith(words), words
    panel = values[len(TYPED_VALUES)]
    for element, words in WORDS.items():
        assert f"{element} {words}" in panel
    hemoglobin = values[-1]
    assert RANGES.replace("Normal range: ", "") in hemoglobin
    assert "Repeat in 3 months.<br>Take iron with food." in hemoglobin
    assert "No value" not in content


def test_a_result_of_no_report_shows_every_range_and_the_comment(alice, tmp_path):
    import_for(alice, tmp_path)
    hemoglobin = observation(bundles.RANGES_ID)

    response = sign_in(Client(), alice).get(
        reverse(
            "results:observation",
            kwargs={"patient_id": alice.patient_id, "observation_id": hemoglobin.pk},
        )
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert RANGES in content
    assert "Repeat in 3 months.<br>Take iron with food." in content
