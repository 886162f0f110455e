"""One wording of results for every page and the PDFs."""

from __future__ import annotations

import pytest

from lantern.results.flags import flag_word, range_in_words, range_words, value_in_words
from lantern.testing.factories import ObservationFactory

pytestmark = pytest.mark.django_db


def test_a_value_above_its_range_is_high_even_without_the_labs_code():
    glucose = ObservationFactory.build(
        value_quantity=130, value_unit="mg/dL", reference_low=70, reference_high=99
    )

    assert flag_word(glucose) == "High"
    assert range_words(glucose) == "70 to 99 mg/dL"
    assert range_in_words(glucose) == "Normal range: 70 to 99 mg/dL"
    assert value_in_words(glucose) == "130 mg/dL"


def test_the_labs_own_code_wins_over_the_range():
    result = ObservationFactory.build(
        value_quantity=98, reference_low=70, reference_high=99, interpretation="HH"
    )

    assert flag_word(result) == "Critical"


def test_blood_pressure_reads_as_systolic_over_diastolic():
    pressure = ObservationFactory.build(
        value_quantity=None,
        components=[
            {"code": "8480-6", "display": "Systolic", "value": 128.0, "unit": "mm[Hg]"},
            {"code": "8462-4", "display": "Diastolic", "value": 82.0, "unit": "mm[Hg]"},
        ],
    )

    assert value_in_words(pressure) == "128/82 mmHg"


def test_a_value_with_components_reads_its_own_value_first():
    # A pulse oximeter's reading (US Core's example): the saturation, and the oxygen flow.
    oxygen = ObservationFactory.build(
        code="2708-6",
        value_quantity=95.0,
        value_unit="%",
        components=[
            {
                "code": "3151-8",
                "display": "Inhaled oxygen flow rate",
                "value": 6,
                "unit": "liters/min",
            }
        ],
    )

    assert value_in_words(oxygen) == "95 %; Inhaled oxygen flow rate: 6 liters/min"


def test_components_alone_read_by_their_names():
    panel = ObservationFactory.build(
        value_quantity=None,
        value_string="",
        components=[{"code": "3151-8", "display": "Inhaled oxygen flow rate", "value": 6}],
    )

    assert value_in_words(panel) == "Inhaled oxygen flow rate: 6"


def test_a_result_with_neither_code_nor_range_says_no_range_given():
    result = ObservationFactory.build(value_quantity=5.0, interpretation="")

    assert flag_word(result) == "No range given"
