"""Every PDF copy names its language in its catalog, so screen readers pick the right voice."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from lantern.downloads import pdf
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory, PatientFactory

from .test_pdf import report_stub

pytestmark = pytest.mark.django_db


def catalog_language(content: bytes) -> str | None:
    return PdfReader(io.BytesIO(content)).trailer["/Root"].get("/Lang")


def test_a_result_pdf_is_tagged_as_american_english():
    patient = PatientFactory()
    content = pdf.result_pdf(patient, report_stub(), [ObservationFactory(patient=patient)])

    assert catalog_language(content) == "en-US"


def test_a_pdf_made_in_another_active_language_is_tagged_with_that_language():
    patient = PatientFactory()
    with translation.override("es-mx"):
        content = pdf.result_pdf(patient, report_stub(), [ObservationFactory(patient=patient)])

    assert catalog_language(content) == "es-MX"


def test_the_record_pdf_alice_downloads_is_tagged_with_its_language(alice):
    from .test_downloads import give_record, urls

    report = give_record(alice.patient, observations=1)
    client = sign_in(Client(), alice)

    response = client.get(urls(alice, report)["record.pdf"])

    assert response.status_code == 200
    assert catalog_language(response.content) == "en-US"
