"""The readable copy works whatever the letters in the record, with or without DejaVu Sans."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from lantern.downloads import pdf
from lantern.testing.factories import ObservationFactory, PatientFactory

pytestmark = pytest.mark.django_db


def render(patient) -> str:
    observation = ObservationFactory(patient=patient, display="Hämoglobin A1c — 血红蛋白")
    content = pdf.result_pdf(patient, report_stub(), [observation])
    assert content.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def report_stub():
    from lantern.clinical import models as clinical

    return clinical.DiagnosticReport(
        display="Blood test",
        status=clinical.DiagnosticReportStatus.FINAL,
        kind=clinical.ReportKind.LABORATORY,
        presented_text="Résultat normal ✓",
    )


def test_a_result_pdf_keeps_accented_letters_in_dejavu_sans():
    if not (pdf.FONT_DIR / "DejaVuSans.ttf").is_file():
        pytest.skip("DejaVu Sans is not installed")

    text = render(PatientFactory(given_names="Zoë", family_name="Ødegård"))

    assert "Zoë Ødegård" in text
    assert "Résultat normal ✓" in text


def test_a_result_pdf_without_dejavu_replaces_letters_the_core_font_lacks(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)

    text = render(PatientFactory(given_names="Zoë", family_name="Ødegård"))

    assert "Zoë Ødegård" in text
    assert "Résultat normal ?" in text
