"""A short plain name beside the long LOINC name where we have one (issue 10, point 4): on the
results list, a result page, a lab value's page and the trend page, with the codes Synthea sends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.results.plain_names import PLAIN_NAMES, codes_named, name_in_one_line, names_for
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory

from .conftest import make_report

pytestmark = pytest.mark.django_db

CHOLESTEROL = {
    "code": "2093-3",
    "display": "Cholesterol [Mass/volume] in Serum or Plasma",
    "value_quantity": 187.215,
    "value_unit": "mg/dL",
}
TRIGLYCERIDES = {
    "code": "2571-8",
    "display": "Triglycerides",
    "value_quantity": 120.0,
    "value_unit": "mg/dL",
}
GLUCOSE = {
    "code": "2345-7",
    "display": "Glucose [Mass/volume] in Serum or Plasma",
    "value_quantity": 92.0,
    "value_unit": "mg/dL",
}


@pytest.mark.parametrize(
    ("code", "recorded", "names"),
    [
        ("2093-3", CHOLESTEROL["display"], ("Total cholesterol", CHOLESTEROL["display"])),
        ("57698-3", "Lipid Panel", ("Cholesterol panel", "Lipid Panel")),
        (
            "6690-2",
            "Leukocytes [#/volume] in Blood by Automated count",
            ("White blood cells", "Leukocytes [#/volume] in Blood by Automated count"),
        ),
        ("29463-7", "Body Weight", ("Weight", "Body Weight")),
        # The recorded name already is the plain one: shown once.
        ("2571-8", "Triglycerides", ("Triglycerides", "")),
        # A code we have no plain name for: the recorded name alone.
        ("99999-9", "Some rare test", ("Some rare test", "")),
        ("2093-3", "", ("Total cholesterol", "")),
    ],
)
def test_a_plain_name_goes_first_and_the_recorded_name_beside_it(code, recorded, names):
    assert names_for(code, recorded) == names


def test_every_lab_and_vital_sign_code_of_the_demo_data_has_a_plain_name():
    demo_codes = {
        "8302-2", "72514-3", "29463-7", "39156-5", "55284-4", "72166-2", "2093-3", "2571-8",
        "18262-6", "2085-9", "6690-2", "789-8", "718-7", "4544-3", "787-2", "785-6", "786-4",
        "21000-5", "777-3", "32207-3", "32623-1", "57698-3", "58410-2", "8331-1",
    }  # fmt: skip

    assert demo_codes <= PLAIN_NAMES.keys()


def test_a_search_finds_a_test_by_its_plain_name():
    assert "2345-7" in codes_named("blood sugar")
    assert codes_named("  ") == []


def test_the_results_list_shows_the_plain_name_with_the_recorded_name_smaller(alice):
    make_report(alice.patient, code="57698-3", display="Lipid Panel", values=[CHOLESTEROL])

    text = sign_in(Client(), alice).get(reverse("results:list", args=[alice.patient_id])).text

    assert ">Cholesterol panel</a>" in text
    assert 'data-testid="long-name">Lipid Panel</span>' in text


def test_the_result_page_names_the_report_and_each_value_plainly(alice):
    report = make_report(
        alice.patient, code="57698-3", display="Lipid Panel", values=[CHOLESTEROL, TRIGLYCERIDES]
    )

    url = reverse("results:detail", args=[alice.patient_id, report.pk])
    text = sign_in(Client(), alice).get(url).text

    assert "<h1>Cholesterol panel</h1>" in text
    assert '<p class="usa-hint margin-top-0" data-testid="long-name">Lipid Panel</p>' in text
    assert "Total cholesterol" in text
    assert f'data-testid="long-name">{CHOLESTEROL["display"]}</span>' in text
    # Triglycerides is its own plain name: no second, smaller copy.
    assert text.count("Triglycerides") == 1


def test_a_lab_values_page_and_its_trend_show_the_plain_name(alice):
    for days in (30, 1):
        glucose = ObservationFactory(
            patient=alice.patient,
            effective_at=timezone.now() - dt.timedelta(days=days),
            **GLUCOSE,
        )
    client = sign_in(Client(), alice)

    page = client.get(reverse("results:observation", args=[alice.patient_id, glucose.pk])).text
    trend = client.get(reverse("results:trend", args=[alice.patient_id, "2345-7"])).text

    for text in (page, trend):
        assert "Blood sugar (glucose)" in text
        assert f'data-testid="long-name">{GLUCOSE["display"]}</p>' in text
    assert "<h1>Blood sugar (glucose)</h1>" in page
    assert "<h1>Blood sugar (glucose) over time</h1>" in trend
    assert '<title id="chart-title">Blood sugar (glucose) over time' in trend


def test_the_results_list_search_finds_glucose_as_blood_sugar(alice):
    ObservationFactory(patient=alice.patient, **GLUCOSE)

    url = reverse("results:list", args=[alice.patient_id])
    text = sign_in(Client(), alice).get(url, {"q": "blood sugar"}).text

    assert text.count('data-testid="result-row"') == 1


def test_both_names_fit_on_one_line_for_the_pdf():
    assert name_in_one_line("57698-3", "Lipid Panel") == "Cholesterol panel (Lipid Panel)"
    assert name_in_one_line("2571-8", "Triglycerides") == "Triglycerides"
    assert name_in_one_line("", "A rare test") == "A rare test"
