"""The results pages in Spanish for an account that chose it (issue 17, point 2): Lantern's
words, flags, units and numbers in Spanish; the test names as recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from lantern.results import flags
from lantern.testing.auth import sign_in

from .conftest import make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_alice(alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    return alice


def _white_cells(**fields):
    return {
        "code": "6690-2",
        "display": "Leukocytes [#/volume] in Blood",
        "value_quantity": 12.4,
        "value_unit": "10*3/uL",
        "reference_low": 4.5,
        "reference_high": 11.0,
        **fields,
    }


def test_the_results_list_and_a_result_speak_spanish(spanish_alice):
    report = make_report(
        spanish_alice.patient, display="CBC panel", values=[_white_cells()], when=timezone.now()
    )
    client = sign_in(Client(), spanish_alice)
    listed = client.get(reverse("results:list", args=[spanish_alice.patient_id]))
    html = listed.content.decode()
    assert "Sus resultados de pruebas" in html
    assert "Mostrar resultados" in html
    assert "Alto" in html
    assert "Your test results" not in html and "Show results" not in html

    page = client.get(reverse("results:detail", args=[spanish_alice.patient_id, report.pk]))
    text = page.content.decode()
    assert "Su valor" in text and "Rango normal" in text
    # Lantern's words for the unit and the test; decimals with a comma; the recorded name kept.
    assert "12,4 mil por microlitro" in text
    assert "4,5 a 11 mil por microlitro" in text
    assert "Glóbulos blancos" in text
    assert "Leukocytes [#/volume] in Blood" in text
    for english in ("Your value", "Normal range", "thousand per microliter", ">High<", "12.4"):
        assert english not in text


def test_the_trend_speaks_spanish(spanish_alice):
    for days in (40, 20, 1):
        make_report(
            spanish_alice.patient,
            values=[_white_cells(value_quantity=5.5 + days / 10)],
            when=timezone.now() - dt.timedelta(days=days),
        )
    client = sign_in(Client(), spanish_alice)
    page = client.get(reverse("results:trend", args=[spanish_alice.patient_id, "6690-2"]))
    text = page.content.decode()
    assert "a lo largo del tiempo" in text
    assert "La franja sombreada es el rango normal, de 4,5 a 11 mil por microlitro." in text
    assert "Sus valores" in text
    assert "over time" not in text and "Your values" not in text


def test_flags_and_words_follow_the_language_and_english_stays_as_it_was():
    with translation.override("es"):
        assert str(flags.HIGH.word) == "Alto"
        assert str(flags.NO_RANGE.word) == "Sin rango indicado"
        assert flags.NORMAL.is_normal
        assert flags.number(4.55597, low=4.5, high=11) == "4,6"
        assert flags.bounds_words(70, 99, "mg/dL") == "70 a 99 mg/dL"
    with translation.override("en"):
        assert str(flags.HIGH.word) == "High"
        assert flags.number(4.55597, low=4.5, high=11) == "4.6"
        assert flags.bounds_words(70, 99, "mg/dL") == "70 to 99 mg/dL"
