"""The PDFs word every kind of value, every normal range and the comment as the pages do, and
dates given as words as given (issue 11, points 4 and 5)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from lantern.access.policy import patient_access
from lantern.clinical import models as clinical
from lantern.downloads import pdf
from lantern.downloads.selectors import procedures_section, record_summary
from lantern.interop.fhir_import import import_paths
from lantern.interop.tests import bundles
from lantern.interop.tests.bundles import TYPED_VALUES, write
from lantern.testing.auth import sign_in
from lantern.testing.factories import DiagnosticReportFactory

pytestmark = pytest.mark.django_db

RECORDS = (
    clinical.Observation,
    clinical.Immunization,
    clinical.Condition,
    clinical.Procedure,
    clinical.AllergyIntolerance,
)


def import_for(user, tmp_path) -> None:
    """Import the typed bundle, then give its records to `user`'s patient."""
    report = import_paths([write(tmp_path / "typed.json", bundles.typed_values_bundle())])
    assert not report.failed, report.failed
    for model in RECORDS:
        model.objects.update(patient=user.patient)


def text_of(content: bytes) -> str:
    """The PDF's words, each run of spaces and line breaks as one space."""
    pages = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(pages.split())


def test_the_result_pdf_words_each_value_type_every_range_and_the_comments(alice, tmp_path):
    import_for(alice, tmp_path)
    report = DiagnosticReportFactory(patient=alice.patient, display="Mixed panel")
    for position, fhir_id in enumerate([*TYPED_VALUES, bundles.RANGES_ID]):
        clinical.DiagnosticReportResult.objects.create(
            report=report,
            observation=clinical.Observation.objects.get(fhir_id=fhir_id),
            position=position,
        )
    url = reverse(
        "downloads:result_pdf", kwargs={"patient_id": alice.patient_id, "report_id": report.pk}
    )

    response = sign_in(Client(), alice).get(url)

    assert response.status_code == 200
    text = text_of(response.content)
    for words in ("No", "9", "1:128", "2.5 to 5 mg/L", "2:30 PM", "May 2012", "Negative"):
        assert words in text, words
    for words in ("May 1, 2012 to", "May 3, 2012", "Clear"):
        assert words in text, words
    for words in ("Women:", "12 to 15.5 g/dL", "Men, age 18", "13.5 to 17.5", "in pregnancy"):
        assert words in text, words
    assert "Repeat in 3 months." in text and "Take iron with food." in text


def test_the_record_pdf_shows_dates_given_as_words_and_each_results_comment(alice, tmp_path):
    import_for(alice, tmp_path)
    access = patient_access(alice, alice.patient_id, audit=False)

    content = pdf.record_pdf(
        record_summary(access=access), procedures=procedures_section(access=access)
    )

    text = text_of(content)
    for words in ("Fall 2012", "Childhood", "Age 12", "Summer 2005"):
        assert words in text, words
    assert "Hemoglobin: Repeat in 3 months." in text
    assert "1:128" in text and "2.5 to 5 mg/L" in text
