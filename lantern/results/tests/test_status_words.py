""" "Normal" only when a range or the lab's interpretation says so, on every page that words a
result; otherwise "No range given" (issue 10, point 3)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.results.flags import observation_status
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory

from .conftest import make_report

pytestmark = pytest.mark.django_db

NO_RANGE = {"display": "Vitamin D", "value_quantity": 31.0, "value_unit": "ng/mL"}
IN_RANGE = {
    "display": "Glucose",
    "value_quantity": 80.0,
    "value_unit": "mg/dL",
    "reference_low": 70.0,
    "reference_high": 99.0,
}


def list_rows(user) -> list[str]:
    url = reverse("results:list", kwargs={"patient_id": user.patient_id})
    return sign_in(Client(), user).get(url).text.split('data-testid="result-row"')[1:]


def test_a_value_with_neither_range_nor_interpretation_is_no_range_given_not_normal():
    assert observation_status(ObservationFactory.build(**NO_RANGE)).word == "No range given"
    assert observation_status(ObservationFactory.build(**IN_RANGE)).word == "Normal"
    assert observation_status(ObservationFactory.build(**NO_RANGE, interpretation="N")).is_normal


def test_a_range_given_only_in_words_without_interpretation_is_not_flagged():
    result = ObservationFactory.build(
        value_quantity=None, value_string="Negative", reference_text="Negative"
    )

    assert observation_status(result).word == "Not flagged"


def test_the_list_says_no_range_given_for_a_report_whose_value_has_no_range(alice):
    make_report(alice.patient, display="Vitamin D test", values=[NO_RANGE])

    (row,) = list_rows(alice)

    assert ">No range given</span>" in row
    assert "Normal" not in row


def test_one_value_without_a_range_keeps_a_report_from_being_called_normal(alice):
    make_report(alice.patient, display="Panel", values=[IN_RANGE, NO_RANGE])

    (row,) = list_rows(alice)

    assert ">No range given</span>" in row and "Normal" not in row


def test_the_list_calls_a_lab_value_of_no_report_normal_only_with_a_range(alice):
    ObservationFactory(patient=alice.patient, **NO_RANGE)
    ObservationFactory(patient=alice.patient, **{**IN_RANGE, "display": "Sugar"})

    rows = list_rows(alice)

    assert any("Vitamin D" in row and ">No range given</span>" in row for row in rows)
    assert any("Sugar" in row and ">Normal</span>" in row for row in rows)


def test_the_list_still_says_normal_when_the_labs_interpretation_says_so(alice):
    make_report(alice.patient, display="Urine test", values=[{**NO_RANGE, "interpretation": "N"}])

    (row,) = list_rows(alice)

    assert ">Normal</span>" in row


def test_the_result_page_agrees_with_the_list(alice):
    report = make_report(alice.patient, display="Vitamin D test", values=[NO_RANGE])
    url = reverse("results:detail", kwargs={"patient_id": alice.patient_id, "report_id": report.pk})

    text = sign_in(Client(), alice).get(url).text

    assert ">No range given</span>" in text
    assert ">Normal</span>" not in text


def test_the_lab_value_page_agrees_with_the_list(alice):
    value = ObservationFactory(patient=alice.patient, **NO_RANGE)
    url = reverse(
        "results:observation",
        kwargs={"patient_id": alice.patient_id, "observation_id": value.pk},
    )

    text = sign_in(Client(), alice).get(url).text

    assert ">No range given</span>" in text
    assert ">Normal</span>" not in text
