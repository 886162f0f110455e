"""The PDFs word results as the pages do (issue 10, points 3 and 4)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from lantern.results.tests.conftest import make_report
from lantern.testing.auth import sign_in

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
