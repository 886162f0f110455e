from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.results.charts import ChartPoint, Series, line_chart_svg
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory

from .conftest import add_observations

pytestmark = pytest.mark.django_db


def trend_url(user, code: str) -> str:
    return reverse("results:trend", kwargs={"patient_id": user.patient_id, "code": code})


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_alice_cannot_open_charlies_trend(alice, charlie):
    add_observations(charlie.patient, 3)

    assert sign_in(Client(), alice).get(trend_url(charlie, "4548-4")).status_code == 404


def test_the_trend_draws_values_with_the_normal_range_as_a_band_and_a_table(alice):
    for days, value in ((300, 6.1), (200, 5.9), (100, 5.6)):
        ObservationFactory(
            patient=alice.patient,
            effective_at=days_ago(days),
            value_quantity=value,
            reference_low=4.0,
            reference_high=5.6,
        )

    text = sign_in(Client(), alice).get(trend_url(alice, "4548-4")).text

    assert text.count("<h1") == 1
    assert "<svg" in text and 'role="img"' in text
    assert '<title id="chart-title">Hemoglobin A1c (average blood sugar) over time' in text
    assert 'class="lantern-chart__band"' in text and "url(#normal-range-hatch)" in text
    assert text.count('class="lantern-chart__point"') == 3
    assert "6.1 % on" in text
    table = text.split('data-testid="trend-table"')[1]
    assert table.index("6.1") < table.index("5.9") < table.index("5.6")
    assert ">High</span>" in table and ">Normal</span>" in table


def test_blood_pressure_draws_systolic_and_diastolic_with_different_shapes(alice):
    for days, (systolic, diastolic) in ((60, (138, 88)), (30, (126, 82))):
        ObservationFactory(
            patient=alice.patient,
            code="85354-9",
            display="Blood pressure",
            category="vital-signs",
            value_quantity=None,
            value_unit="",
            effective_at=days_ago(days),
            components=[
                {"code": "8480-6", "value": systolic, "unit": "mm[Hg]"},
                {"code": "8462-4", "value": diastolic, "unit": "mm[Hg]"},
            ],
        )

    text = sign_in(Client(), alice).get(trend_url(alice, "85354-9")).text

    assert 'data-series="Systolic"' in text and 'data-series="Diastolic"' in text
    assert "<circle" in text and "<rect x=" in text
    assert "138/88" in text and "126/82" in text


def test_a_single_value_explains_that_there_is_no_trend_yet(alice):
    ObservationFactory(patient=alice.patient)

    text = sign_in(Client(), alice).get(trend_url(alice, "4548-4")).text

    assert "only one value" in text
    assert "<svg" not in text.split("<main")[1]
    assert 'data-testid="trend-table"' in text


def test_a_test_with_no_values_explains_and_leads_back(alice):
    text = sign_in(Client(), alice).get(trend_url(alice, "9999-9")).text

    assert "There are no values for this test" in text


def test_the_trend_is_bounded_to_the_latest_200_values(alice):
    add_observations(alice.patient, 250)

    text = sign_in(Client(), alice).get(trend_url(alice, "4548-4")).text

    assert text.count('class="lantern-chart__point"') == 200
    assert "Only your latest 200 values are shown" in text


def test_the_chart_escapes_names_and_labels():
    moment = timezone.now()
    svg = line_chart_svg(
        title="<script>x</script>",
        description="d",
        series=[
            Series(
                name="a",
                points=[
                    ChartPoint(moment - dt.timedelta(days=1), 1.0, "<b>"),
                    ChartPoint(moment, 2.0, "ok"),
                ],
            )
        ],
    )

    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg
