"""The results list and the home page give each row the status the result page gives it: a value's
is `flags.observation_status`, a report's is its most serious value's, worked out for the page's
rows only."""

from __future__ import annotations

import itertools

import pytest

from lantern.access.policy import patient_access
from lantern.clinical.models import DiagnosticReportResult
from lantern.results.flags import observation_status
from lantern.results.selectors import OBSERVATION_ROW, results_for_patient, rows_with_status
from lantern.testing.factories import ObservationFactory

from .conftest import make_report

pytestmark = pytest.mark.django_db

INTERPRETATIONS = ("", "HH", "H", "L", "A", "N", "X")  # "X": a code we do not know
VALUES = (None, 50.0, 80.0, 120.0)
RANGES = ((None, None, ""), (70.0, 99.0, ""), (70.0, None, ""), (None, None, "Negative"))

VALUE_GRID = [
    {
        "interpretation": interpretation,
        "value_quantity": value,
        "reference_low": low,
        "reference_high": high,
        "reference_text": text,
    }
    for interpretation, value, (low, high, text) in itertools.product(
        INTERPRETATIONS, VALUES, RANGES
    )
]
# How serious each status is, most serious first: a report is as serious as its worst value.
SEVERITY = ["Critical", "High", "Low", "Abnormal", "No range given", "Not flagged", "Normal"]


def test_each_lab_value_of_no_report_has_the_status_the_result_page_gives_it(alice):
    observations = [
        ObservationFactory(patient=alice.patient, display=f"Value {index}", **fields)
        for index, fields in enumerate(VALUE_GRID)
    ]
    expected = {str(item.pk): observation_status(item).word for item in observations}

    access = patient_access(alice, alice.patient_id)
    rows = rows_with_status(access=access, rows=results_for_patient(access=access)[:200])

    listed = {str(row["result_id"]): row["status"].word for row in rows}
    assert {row["result_type"] for row in rows} == {OBSERVATION_ROW}
    assert listed == expected


def test_a_report_takes_the_status_of_its_most_serious_value(alice):
    pairs = list(itertools.combinations(VALUE_GRID[::3], 2))[:60]
    reports = {}
    for index, (first, second) in enumerate(pairs):
        report = make_report(alice.patient, display=f"Panel {index}", values=[first, second])
        words = [
            observation_status(ObservationFactory.build(**fields)).word
            for fields in (first, second)
        ]
        reports[str(report.pk)] = min(words, key=SEVERITY.index)
    make_report(alice.patient, display="Report with no values")

    access = patient_access(alice, alice.patient_id)
    rows = rows_with_status(access=access, rows=results_for_patient(access=access)[:200])

    listed = {str(row["result_id"]): row["status"] for row in rows}
    assert {key: flag.word for key, flag in listed.items() if flag} == reports
    assert sum(flag is None for flag in listed.values()) == 1  # "See comment"


def test_a_lab_code_in_lower_case_or_with_spaces_counts_as_the_result_page_reads_it(alice):
    # The result page reads " h " as High; the list must not call the same value something else.
    value = ObservationFactory(
        patient=alice.patient, interpretation=" h ", value_quantity=None, reference_low=None
    )
    access = patient_access(alice, alice.patient_id)

    rows = rows_with_status(access=access, rows=results_for_patient(access=access)[:10])

    assert [(row["result_id"], row["status"].word) for row in rows] == [(value.pk, "High")]


def test_another_patients_values_never_colour_a_report(alice, charlie):
    # A link row pointing at someone else's value (bad data) is not read for this patient.
    report = make_report(alice.patient, display="Panel", values=[{"interpretation": "N"}])
    stranger = ObservationFactory(patient=charlie.patient, interpretation="HH")
    DiagnosticReportResult.objects.create(report=report, observation=stranger, position=9)
    access = patient_access(alice, alice.patient_id)

    rows = rows_with_status(access=access, rows=results_for_patient(access=access)[:10])

    assert [row["status"].word for row in rows] == ["Normal"]
