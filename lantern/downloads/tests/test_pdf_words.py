"""The PDFs word results as the pages do (issue 10, points 3 and 4)."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from lantern.results.tests.conftest import make_report
from lantern.testing.auth import sign_in
from lantern.testing.factories import AllergyFactory, ConditionFactory

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def result_pdf_text(user, report) -> str:
    url = reverse(
        "downloads:result_pdf", kwargs={"patient_id": user.patient_id, "report_id": report.pk}
    )
    response = sign_in(Client(), user).get(url)
    assert response.status_code == 200
    return pdf_text(response.content)


def test_the_result_pdf_says_no_range_given_for_a_value_without_range_or_interpretation(alice):
    report = make_report(
        alice.patient,
        display="Vitamin D test",
        values=[{"display": "Vitamin D", "value_quantity": 31.0, "value_unit": "ng/mL"}],
    )

    text = result_pdf_text(alice, report)

    assert "No range given" in text
    assert "Normal" not in text.replace("Normal range", "")


def test_the_pdf_rounds_values_while_the_fhir_download_keeps_the_recorded_value(alice):
    report = make_report(
        alice.patient,
        display="Lipid panel",
        values=[
            {
                "display": "Cholesterol",
                "value_quantity": 187.215,
                "value_unit": "mg/dL",
                "reference_low": 0.0,
                "reference_high": 200.0,
            }
        ],
    )
    json_url = reverse(
        "downloads:result_json", kwargs={"patient_id": alice.patient_id, "report_id": report.pk}
    )

    text = result_pdf_text(alice, report)
    bundle = json.loads(sign_in(Client(), alice).get(json_url).content)

    assert "187 mg/dL" in text and "187.215" not in text
    quantities = [
        entry["resource"]["valueQuantity"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Observation"
    ]
    assert quantities[0]["value"] == 187.215
    assert quantities[0]["unit"] == "mg/dL"


def test_the_record_pdf_drops_snomeds_tags_from_health_problems(alice):
    ConditionFactory(patient=alice.patient, display="Essential hypertension (disorder)")
    url = reverse("downloads:record_pdf", kwargs={"patient_id": alice.patient_id})

    text = pdf_text(sign_in(Client(), alice).get(url).content)

    assert "Essential hypertension" in text and "(disorder)" not in text


def test_the_record_pdf_drops_snomeds_tags_from_allergies_and_their_reactions(alice):
    AllergyFactory(
        patient=alice.patient,
        display="Latex (substance)",
        reactions=[{"manifestation": "Eruption of skin (disorder)"}],
    )
    url = reverse("downloads:record_pdf", kwargs={"patient_id": alice.patient_id})

    text = pdf_text(sign_in(Client(), alice).get(url).content)

    assert "Latex" in text and "Eruption of skin" in text
    assert "(substance)" not in text and "(disorder)" not in text


def test_the_result_pdf_gives_a_common_tests_plain_name_beside_its_recorded_name(alice):
    report = make_report(
        alice.patient,
        code="",
        display="Diabetes check",
        values=[
            {
                "code": "4548-4",
                "display": "Hemoglobin A1c/Hemoglobin.total in Blood",
                "value_quantity": 5.4,
                "value_unit": "%",
            }
        ],
    )

    text = " ".join(result_pdf_text(alice, report).split())

    assert "Hemoglobin A1c (average blood sugar)" in text
    assert "Hemoglobin.total in Blood" in text
