"""The download page and the PDF copies in the account's language (issue 17, point 2): the
copy's headings and Lantern's words in Spanish, numbers with a decimal comma, and what the
record holds as recorded; the FHIR file keeps every value exactly."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lantern.testing.auth import sign_in

from .test_downloads import give_record, pdf_text, urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_alice(alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    return alice


def test_the_download_page_speaks_spanish(spanish_alice):
    report = give_record(spanish_alice.patient)
    html = sign_in(Client(), spanish_alice).get(urls(spanish_alice, report)["page"])
    text = html.content.decode()

    assert "Descargar su expediente de salud" in text
    assert "Descargar PDF" in text
    assert "Download your health record" not in text and "Download PDF" not in text


def test_the_record_pdf_is_written_in_the_accounts_language(spanish_alice):
    report = give_record(spanish_alice.patient, observations=1)
    client = sign_in(Client(), spanish_alice)

    text = pdf_text(client.get(urls(spanish_alice, report)["record.pdf"]).content)

    assert "Expediente de salud de" in text
    assert "Sus datos" in text
    assert "Resultados de pruebas recientes" in text
    assert "Rango normal" in text
    # Lantern's words for the test, and its value with a decimal comma; the visit's reason as
    # recorded.
    assert "Azúcar en la sangre (glucosa)" in text
    assert "7,9" in text
    assert "Check-up" in text
    for english in ("Your details", "Health problems", "Recent test results", "Normal range"):
        assert english not in text


def test_the_result_pdf_is_in_spanish_and_the_fhir_file_keeps_the_recorded_value(
    spanish_alice,
):
    report = give_record(spanish_alice.patient, observations=1)
    client = sign_in(Client(), spanish_alice)

    text = pdf_text(client.get(urls(spanish_alice, report)["result.pdf"]).content)
    assert "Resultados" in text and "Marca" in text and "Alto" in text
    assert "Flag" not in text

    bundle = json.loads(client.get(urls(spanish_alice, report)["result.json"]).content)
    values = [
        entry["resource"].get("valueQuantity", {}).get("value") for entry in bundle.get("entry", [])
    ]
    assert 7.9 in values
