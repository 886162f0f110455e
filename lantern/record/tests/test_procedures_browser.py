"""The procedures page and a visit's procedures in a real browser at phone width pass the checks
of `lantern.testing.page_checks`."""

from __future__ import annotations

import pytest

from lantern.clinical.models import Location, ProcedureStatus
from lantern.testing.factories import EncounterFactory
from lantern.testing.page_checks import page_problems, signed_in_page

from .factories import ProcedureFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


def procedures_with_long_names(patient):
    """Two procedures at one visit, with the long names and places they come with."""
    visit = EncounterFactory(patient=patient)
    place = Location.objects.create(
        source_system="test",
        fhir_id="unit",
        name="Riverside Regional Medical Center Endoscopy Unit",
    )
    ProcedureFactory(
        patient=patient,
        encounter=visit,
        display="Transurethral resection of prostate by electrocautery (procedure)",
        location=place,
        reason_display="Benign prostatic hyperplasia with lower urinary tract symptoms (disorder)",
    )
    ProcedureFactory(patient=patient, encounter=visit, status=ProcedureStatus.NOT_DONE)
    return visit


def test_the_procedures_pages_read_at_phone_width(page, live_server, alice):
    visit = procedures_with_long_names(alice.patient)
    signed_in_page(page, live_server, alice)
    base = f"/patients/{alice.patient_id}/record"

    problems = page_problems(
        page, [f"{base}/", f"{base}/procedures/", f"{base}/visits/{visit.pk}/"]
    )

    assert problems == {}


def test_an_empty_procedures_page_reads_at_phone_width(page, live_server, alice):
    signed_in_page(page, live_server, alice)

    problems = page_problems(page, [f"/patients/{alice.patient_id}/record/procedures/"])

    assert problems == {}
