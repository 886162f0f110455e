"""Real Synthea bundles: the demo ones shipped in the repo, and all of ../shared/data/fhir."""

from __future__ import annotations

import pytest

from lantern.clinical import models as clinical
from lantern.interop.fhir_import import import_paths

from .bundles import DEMO_BUNDLES, SHARED_BUNDLES

pytestmark = pytest.mark.django_db


def test_the_demo_bundles_import_with_every_kind_of_record():
    report = import_paths([DEMO_BUNDLES], workers=2)

    assert report.failed == []
    assert clinical.Patient.objects.count() == len(list(DEMO_BUNDLES.glob("*.json")))
    assert all(patient.mrn for patient in clinical.Patient.objects.all())
    assert all(p.managing_organization_id for p in clinical.Patient.objects.all())
    for model in (
        clinical.Encounter,
        clinical.Condition,
        clinical.AllergyIntolerance,
        clinical.Immunization,
        clinical.MedicationRequest,
        clinical.Procedure,
        clinical.DiagnosticReport,
    ):
        assert model.objects.exists(), model.__name__
    assert clinical.Observation.objects.filter(category="laboratory").exists()
    assert clinical.Observation.objects.filter(category="vital-signs").exists()
    assert clinical.DiagnosticReportResult.objects.exists()
    assert report.types["Claim"].skipped > 0


@pytest.mark.skipif(
    not SHARED_BUNDLES.is_dir(), reason="../shared/data/fhir is not beside the repo"
)
def test_every_shared_bundle_imports_and_reimports_unchanged():
    first = import_paths([SHARED_BUNDLES], workers=2)
    second = import_paths([SHARED_BUNDLES], workers=2)

    assert first.failed == [] and second.failed == []
    assert first.files == len(list(SHARED_BUNDLES.glob("*.json")))
    assert clinical.Patient.objects.count() == first.files
    assert all(counts.created == counts.updated == 0 for counts in second.types.values())
    stored = sum(c.created + c.unchanged for c in first.types.values())
    assert stored == sum(c.unchanged for c in second.types.values())
