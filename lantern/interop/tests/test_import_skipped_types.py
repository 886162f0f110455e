"""Types Lantern does not keep are not validated field by field (issue 18, point 4): a fault in
a Claim nobody reads does not refuse the bundle, while what Lantern reads of a skipped resource
(its id and identifiers, a Medication's code) is still checked."""

from __future__ import annotations

import pytest

from lantern.clinical import models as clinical
from lantern.interop.fhir_import import import_paths

from . import bundles
from .bundles import bundle, entry, write

pytestmark = pytest.mark.django_db

CLAIM_ID = "c1a1c1a1-1111-4111-8111-111111111111"


def claim(**fields) -> dict:
    return {"resourceType": "Claim", "id": CLAIM_ID, **fields}


def patient_bundle(*extra: dict) -> dict:
    return bundle(entry(bundles.clinic()), entry(bundles.patient()), *[entry(r) for r in extra])


def test_a_claim_with_a_fault_in_a_field_lantern_does_not_read_is_skipped(tmp_path):
    # `total` must be a Money object and `status` is required: a full validation refuses it.
    document = patient_bundle(claim(total="a lot"))

    report = import_paths([write(tmp_path / "claim.json", document)])

    assert report.failed == []
    assert report.types["Claim"].skipped == 1
    assert clinical.Patient.objects.count() == 1


def test_a_skipped_resource_with_a_malformed_identifier_fails_its_bundle(tmp_path):
    document = patient_bundle(claim(identifier=[{"system": "urn:x", "value": 12}]))

    report = import_paths([write(tmp_path / "claim.json", document)])

    [failure] = report.failed
    assert "invalid Claim: its identifier is malformed" in failure.reason
    assert clinical.Patient.objects.count() == 0


def test_a_medication_is_still_validated_since_its_code_names_the_requests(tmp_path):
    medication = {"resourceType": "Medication", "id": "m1", "code": "not a concept"}
    report = import_paths([write(tmp_path / "medication.json", patient_bundle(medication))])

    [failure] = report.failed
    assert "invalid Medication" in failure.reason
