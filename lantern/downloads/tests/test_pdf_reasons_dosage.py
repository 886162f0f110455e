"""The record PDF gives a medicine's dosage in words and every reason of a medicine or a
procedure by name, as the pages do (issue 11, point 9)."""

from __future__ import annotations

import pytest

from lantern.clinical.models import Patient
from lantern.interop.fhir_import import import_paths
from lantern.interop.tests import bundles
from lantern.testing.factories import UserFactory

from .test_pdf_procedures import record_pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def amy(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    source = bundles.write(tmp_path / "bundle.json", bundles.whole_record_bundle())
    report = import_paths([source], source_system="clinic", workers=1)
    assert report.failed == [], report.failed
    return UserFactory(username="amy", patient=Patient.objects.get(source_system="clinic"))


def test_the_record_pdf_says_a_structured_dosage_in_words(amy):
    text = " ".join(record_pdf_text(amy).split())

    assert "1 tablet twice a day" in text
    assert "Every 8 hours as needed" in text


def test_the_record_pdf_gives_every_reason_of_a_medicine_and_a_procedure(amy):
    text = " ".join(record_pdf_text(amy).split())

    assert "Chronic pain; Back pain; Atrial fibrillation" in text
    assert "Cardiac arrhythmia; Atrial fibrillation" in text
    assert "(disorder)" not in text
