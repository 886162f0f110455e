"""Weight and height in pounds, feet and inches beside kilograms and centimeters for an account
that chose US units, or by the clinic's default (issue 10, point 6). The recorded value stays
unchanged in the downloads."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from lantern.clinical.models import ObservationCategory
from lantern.core.tests.test_page_queries import queries_for
from lantern.results.body_units import (
    centimetres_to_inches,
    height_words,
    kilograms_to_pounds,
    pounds_words,
    units_for,
    us_words,
)
from lantern.testing.auth import sign_in
from lantern.testing.factories import EncounterFactory, ObservationFactory

from .conftest import make_report

pytestmark = pytest.mark.django_db

WEIGHT = {
    "code": "29463-7",
    "display": "Body Weight",
    "value_quantity": 85.9597,
    "value_unit": "kg",
    "category": ObservationCategory.VITAL_SIGNS,
}
HEIGHT = {
    "code": "8302-2",
    "display": "Body Height",
    "value_quantity": 175.3,
    "value_unit": "cm",
    "category": ObservationCategory.VITAL_SIGNS,
}
BESIDE_WEIGHT = '86 kg <span class="text-no-wrap" data-testid="us-units">(190 lb)</span>'
BESIDE_HEIGHT = '175 cm <span class="text-no-wrap" data-testid="us-units">(5 ft 9 in)</span>'


def test_one_kilogram_is_2_20462_pounds_and_one_inch_is_2_54_centimetres():
    assert kilograms_to_pounds(1) == pytest.approx(2.20462)
    assert centimetres_to_inches(2.54) == pytest.approx(1)
    assert kilograms_to_pounds(100) == pytest.approx(220.462)


@pytest.mark.parametrize(
    ("kilograms", "words"),
    [(85.9597, "190 lb"), (45.4, "100 lb"), (20.0, "44.1 lb"), (3.4, "7.5 lb")],
)
def test_pounds_are_shown_at_the_precision_a_scale_gives(kilograms, words):
    assert pounds_words(kilograms) == words


@pytest.mark.parametrize(
    ("centimetres", "words"),
    [(175.3, "5 ft 9 in"), (182.88, "6 ft 0 in"), (152.4, "5 ft 0 in"), (50.0, "19.7 in")],
)
def test_heights_are_in_feet_and_inches_to_the_nearest_inch_and_babies_in_inches(
    centimetres, words
):
    assert height_words(centimetres) == words


@pytest.mark.parametrize(
    ("code", "value", "unit", "words"),
    [
        ("29463-7", 85.9597, "kg", "190 lb"),
        ("29463-7", 3400.0, "g", "7.5 lb"),
        ("8302-2", 1.753, "m", "5 ft 9 in"),
        # Already in pounds, a unit we do not know, BMI, or no value: nothing beside.
        ("29463-7", 190.0, "[lb_av]", ""),
        ("8302-2", 69.0, "[in_i]", ""),
        ("39156-5", 28.0, "kg/m2", ""),
        ("29463-7", None, "kg", ""),
    ],
)
def test_only_a_metric_weight_or_height_gets_us_words(code, value, unit, words):
    assert us_words(code=code, value=value, unit=unit) == words


def test_an_account_choice_wins_over_the_clinic_default(alice):
    assert units_for(alice) == "metric"
    with override_settings(DEFAULT_BODY_UNITS="us"):
        assert units_for(alice) == "us"
        alice.body_units = "metric"
        assert units_for(alice) == "metric"
    alice.body_units = "us"
    assert units_for(alice) == "us"


def vitals_text(user) -> str:
    url = reverse("record:vitals", args=[user.patient_id])
    return sign_in(Client(), user).get(url).text


def test_vitals_show_metric_alone_by_default(alice):
    ObservationFactory(patient=alice.patient, **WEIGHT)
    ObservationFactory(patient=alice.patient, **HEIGHT)

    text = vitals_text(alice)

    assert "86 kg" in text and "175 cm" in text
    # Whole words only: a random token on the page may hold the letters "lb".
    assert not re.search(r"\blb\b", text) and "5 ft" not in text
    assert 'data-testid="us-units"' not in text


def test_vitals_show_pounds_and_feet_beside_kilograms_and_centimetres_for_us_units(alice):
    alice.body_units = "us"
    alice.save()
    ObservationFactory(patient=alice.patient, **WEIGHT)
    ObservationFactory(patient=alice.patient, **HEIGHT)
    ObservationFactory(
        patient=alice.patient,
        code="39156-5",
        display="Body Mass Index",
        value_quantity=27.97,
        value_unit="kg/m2",
        category=ObservationCategory.VITAL_SIGNS,
    )

    text = vitals_text(alice)

    assert BESIDE_WEIGHT in text
    assert BESIDE_HEIGHT in text
    assert text.count('data-testid="us-units"') == 2


@override_settings(DEFAULT_BODY_UNITS="us")
def test_the_clinic_default_shows_us_units_to_an_account_that_has_not_chosen(alice):
    ObservationFactory(patient=alice.patient, **WEIGHT)

    assert BESIDE_WEIGHT in vitals_text(alice)


def test_a_result_page_and_a_values_page_show_us_units_beside_the_weight(alice):
    alice.body_units = "us"
    alice.save()
    report = make_report(alice.patient, code="85353-1", display="Vital signs", values=[WEIGHT])
    observation = ObservationFactory(patient=alice.patient, **HEIGHT)
    client = sign_in(Client(), alice)

    report_page = client.get(reverse("results:detail", args=[alice.patient_id, report.pk])).text
    value_page = client.get(
        reverse("results:observation", args=[alice.patient_id, observation.pk])
    ).text

    assert '86 kg <span class="text-no-wrap" data-testid="us-units">(190 lb)</span>' in report_page
    assert BESIDE_HEIGHT in value_page


def test_the_weight_trend_labels_and_table_give_pounds_for_us_units(alice):
    for days in (60, 1):
        ObservationFactory(
            patient=alice.patient,
            effective_at=timezone.now() - dt.timedelta(days=days),
            **WEIGHT,
        )
    client = sign_in(Client(), alice)
    url = reverse("results:trend", args=[alice.patient_id, "29463-7"])

    metric = client.get(url).text
    alice.body_units = "us"
    alice.save()
    us = client.get(url).text

    assert "86 kg on" in metric and not re.search(r"\blb\b", metric)
    assert "86 kg (190 lb) on" in us
    assert '<th scope="col">In pounds</th>' in us
    assert us.count('<span data-testid="us-units">190 lb</span>') == 2


def test_the_download_keeps_the_recorded_kilograms(alice):
    alice.body_units = "us"
    alice.save()
    observation = ObservationFactory(patient=alice.patient, **WEIGHT)

    url = reverse("downloads:observation_json", args=[alice.patient_id, observation.pk])
    response = sign_in(Client(), alice).get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    quantities = [
        entry["resource"]["valueQuantity"]
        for entry in json.loads(body)["entry"]
        if "valueQuantity" in entry["resource"]
    ]

    assert [(quantity["value"], quantity["unit"]) for quantity in quantities] == [(85.9597, "kg")]


def test_us_units_cost_no_more_queries_on_the_vitals_and_trend_pages(alice):
    for days in (60, 30, 1):
        ObservationFactory(
            patient=alice.patient,
            effective_at=timezone.now() - dt.timedelta(days=days),
            **WEIGHT,
        )
    client = sign_in(Client(), alice)
    urls = [
        reverse("record:vitals", args=[alice.patient_id]),
        reverse("results:trend", args=[alice.patient_id, "29463-7"]),
    ]

    metric = [queries_for(client, url) for url in urls]
    alice.body_units = "us"
    alice.save()
    us = [queries_for(client, url) for url in urls]

    assert us == metric


def test_a_visit_page_shows_us_units_beside_the_weight_taken_at_the_visit(alice):
    alice.body_units = "us"
    alice.save()
    visit = EncounterFactory(patient=alice.patient)
    ObservationFactory(patient=alice.patient, encounter=visit, **WEIGHT)

    page = (
        sign_in(Client(), alice)
        .get(reverse("record:visit", kwargs={"patient_id": alice.patient_id, "visit_id": visit.pk}))
        .text
    )

    assert BESIDE_WEIGHT in page
