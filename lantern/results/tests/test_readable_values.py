"""Values people can read: a precision that fits, units in words, one date format
(issue 10, point 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from lantern.results.flags import number, plain_name, unit_words, value_in_words
from lantern.results.templatetags.lantern_dates import day, moment
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory

from .conftest import make_report

pytestmark = pytest.mark.django_db

# 2:05 PM in New York (the clinic's time zone in the test settings), in November (EST).
TAKEN = dt.datetime(2026, 11, 29, 19, 5, tzinfo=dt.UTC)
CHOLESTEROL = {
    "display": "Cholesterol",
    "value_quantity": 187.215,
    "value_unit": "mg/dL",
    "reference_low": 0.0,
    "reference_high": 200.0,
}
WHITE_CELLS = {
    "display": "Leukocytes",
    "value_quantity": 4.55597,
    "value_unit": "10*3/uL",
    "reference_low": 4.5,
    "reference_high": 11.0,
}


@pytest.mark.parametrize(
    ("value", "low", "high", "words"),
    [
        (187.215, None, None, "187"),
        (85.9597, None, None, "86"),
        (12.34, None, None, "12.3"),
        (4.55597, None, None, "4.56"),
        (0.012345, None, None, "0.0123"),
        (5.0, None, None, "5"),
        (187.215, 0.0, 200.0, "187"),
        (4.55597, 4.5, 11.0, "4.6"),
        (0.93, 0.6, 1.25, "0.93"),
        (0.5, 70.0, 99.0, "0.5"),
        (0.125, None, None, "0.125"),
        (2.345, 1.5, 3.5, "2.3"),
        (2.345, 1.0, 3.0, "2.35"),
    ],
)
def test_a_value_is_shown_with_the_precision_of_its_range_or_its_size(value, low, high, words):
    assert number(value, low=low, high=high) == words


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("10*3/uL", "thousand per microliter"),
        ("10*6/uL", "million per microliter"),
        ("mg/dL", "mg/dL"),
        ("[in_i]", "in"),
        ("[lb_av]", "lb"),
        ("mm[Hg]", "mmHg"),
        ("/min", "per minute"),
        ("mL/min/{1.73_m2}", "mL/min/1.73 m²"),
        ("{score}", ""),
        ("1", ""),
        ("U/L", "U/L"),
        ("{cells}/uL", "cells/uL"),
    ],
)
def test_units_are_in_peoples_words_with_the_code_as_fallback(code, words):
    assert unit_words(code) == words


def test_a_value_reads_with_its_unit_in_words():
    assert value_in_words(ObservationFactory.build(**WHITE_CELLS)) == "4.6 thousand per microliter"
    assert value_in_words(ObservationFactory.build(value_quantity=3.0, value_unit="{score}")) == "3"


def test_snomeds_semantic_tags_are_dropped_from_names():
    assert plain_name("Essential hypertension (disorder)") == "Essential hypertension"
    assert plain_name("Medication review due (situation)") == "Medication review due"
    assert plain_name("Vitamin D (25-OH)") == "Vitamin D (25-OH)"


def test_dates_read_one_way_and_times_carry_their_time_zone():
    assert day(TAKEN) == "Nov 29, 2026"
    assert day(dt.date(2026, 1, 5)) == "Jan 5, 2026"
    assert moment(TAKEN) == "Nov 29, 2026, 2:05 PM EST"
    assert day(None) == "" and moment(None) == ""


def test_the_result_page_rounds_values_and_says_units_and_time_in_words(alice):
    report = make_report(alice.patient, values=[CHOLESTEROL, WHITE_CELLS], when=TAKEN)
    url = reverse("results:detail", kwargs={"patient_id": alice.patient_id, "report_id": report.pk})

    text = sign_in(Client(), alice).get(url).text

    assert "187 mg/dL" in text and "187.215" not in text
    assert "4.6 thousand per microliter" in text and "4.55597" not in text
    assert "Nov 29, 2026, 2:05 PM EST" in text


def test_the_lab_value_page_and_the_list_use_the_same_words(alice):
    value = ObservationFactory(patient=alice.patient, effective_at=TAKEN, **WHITE_CELLS)
    client = sign_in(Client(), alice)
    page = client.get(
        reverse(
            "results:observation",
            kwargs={"patient_id": alice.patient_id, "observation_id": value.pk},
        )
    ).text
    listing = client.get(reverse("results:list", kwargs={"patient_id": alice.patient_id})).text

    assert "4.6 thousand per microliter" in page
    assert "Nov 29, 2026, 2:05 PM EST" in page
    assert "Nov 29, 2026" in listing and "November 29, 2026" not in listing


def test_the_trend_table_rounds_each_value(alice):
    for days in (1, 2):
        ObservationFactory(
            patient=alice.patient,
            code="2093-3",
            effective_at=TAKEN - dt.timedelta(days=days),
            **CHOLESTEROL,
        )
    url = reverse("results:trend", kwargs={"patient_id": alice.patient_id, "code": "2093-3"})

    text = sign_in(Client(), alice).get(url).text

    assert ">187<" in text and "187.215" not in text
    assert "Nov 28, 2026" in text
