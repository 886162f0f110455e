"""Every patient page in a real browser at phone width (360 x 740) passes the checks of
`lantern.testing.page_checks`: it loads, has one heading, does not scroll sideways, and its
controls are labelled, named and big enough to tap."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lantern.clinical.models import DiagnosticReportResult, ObservationCategory, ReportKind
from lantern.testing.factories import (
    AllergyFactory,
    ConditionFactory,
    DiagnosticReportFactory,
    DocumentFactory,
    EncounterFactory,
    ImmunizationFactory,
    MedicationRequestFactory,
    ObservationFactory,
    PractitionerFactory,
)
from lantern.testing.page_checks import page_problems, signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def full_record(patient) -> dict[str, object]:
    """A record with something on every page, long names included (they must wrap)."""
    doctor = PractitionerFactory(given_names="Maya", family_name="Okafor")
    visit = EncounterFactory(
        patient=patient,
        practitioner=doctor,
        period_start=days_ago(3),
        type_display="General examination of patient (procedure)",
        reason_display="Check-up",
    )
    report = DiagnosticReportFactory(
        patient=patient,
        encounter=visit,
        effective_at=days_ago(3),
        display="Lipid panel with direct LDL - Serum or Plasma",
    )
    value = ObservationFactory(
        patient=patient,
        encounter=visit,
        effective_at=days_ago(3),
        code="2093-3",
        display="Cholesterol [Mass/volume] in Serum or Plasma",
        value_quantity=287.0,
        value_unit="mg/dL",
        reference_high=200.0,
    )
    DiagnosticReportResult.objects.create(report=report, observation=value, position=0)
    DiagnosticReportFactory(
        patient=patient,
        effective_at=days_ago(10),
        kind=ReportKind.IMAGING,
        display="Chest X-ray",
        presented_text="Clear lungs. No acute findings.",
    )
    for days, amount in ((200, 6.1), (2, 7.9)):
        a1c = ObservationFactory(
            patient=patient,
            encounter=visit,
            effective_at=days_ago(days),
            display="Hemoglobin A1c/Hemoglobin.total in Blood",
            value_quantity=amount,
            reference_low=4.0,
            reference_high=5.6,
            note="Higher than last time.",
        )
    for days, rate in ((30, 72.0), (3, 64.0)):
        ObservationFactory(
            patient=patient,
            category=ObservationCategory.VITAL_SIGNS,
            code="8867-4",
            display="Heart rate",
            value_quantity=rate,
            value_unit="/min",
            effective_at=days_ago(days),
        )
    ConditionFactory(patient=patient, encounter=visit)
    MedicationRequestFactory(patient=patient)
    AllergyFactory(patient=patient)
    ImmunizationFactory(patient=patient)
    document = DocumentFactory(patient=patient)
    return {"visit": visit, "report": report, "a1c": a1c, "document": document}


def patient_pages(patient_id, record: dict[str, object]) -> list[str]:
    base = f"/patients/{patient_id}"
    return [
        "/",
        f"{base}/results/",
        f"{base}/results/?kind=laboratory&q=a1c",
        f"{base}/results/{record['report'].pk}/",
        f"{base}/results/observations/{record['a1c'].pk}/",
        f"{base}/results/trends/4548-4/",
        f"{base}/results/trends/8867-4/",
        f"{base}/record/",
        f"{base}/record/problems/",
        f"{base}/record/medications/",
        f"{base}/record/allergies/",
        f"{base}/record/immunizations/",
        f"{base}/record/vitals/",
        f"{base}/record/visits/",
        f"{base}/record/visits/{record['visit'].pk}/",
        f"{base}/record/documents/",
        f"{base}/record/documents/{record['document'].pk}/",
        f"{base}/access-log/",
        f"{base}/download/",
    ]


def test_every_patient_page_reads_at_phone_width(page, live_server, alice):
    record = full_record(alice.patient)
    signed_in_page(page, live_server, alice)

    problems = page_problems(page, patient_pages(alice.patient_id, record))

    assert problems == {}
    # The pages held the record: both A1c values (of no report) are listed as results.
    page.goto(f"/patients/{alice.patient_id}/results/")
    assert page.get_by_role("link", name="Hemoglobin A1c (average blood sugar)").count() == 2
