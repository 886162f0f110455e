"""The health record pages word values, names and dates as the results pages do (issue 10,
point 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lantern.clinical.models import ObservationCategory
from lantern.testing.factories import ConditionFactory, EncounterFactory, ObservationFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 11, 29, 19, 5, tzinfo=dt.UTC)


def page(client, name: str, patient, **kwargs) -> str:
    url = reverse(f"record:{name}", kwargs={"patient_id": patient.pk, **kwargs})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_health_problems_drop_snomeds_tag_and_use_the_one_date_format(alice_client, alice):
    ConditionFactory(patient=alice.patient, display="Prediabetes (finding)", onset_at=WHEN)

    text = page(alice_client, "problems", alice.patient)

    assert "Prediabetes" in text and "(finding)" not in text
    assert "Nov 29, 2026" in text


def test_vital_signs_are_rounded(alice_client, alice):
    ObservationFactory(
        patient=alice.patient,
        category=ObservationCategory.VITAL_SIGNS,
        code="29463-7",
        display="Body weight",
        value_quantity=85.9597,
        value_unit="kg",
        effective_at=WHEN,
    )

    text = page(alice_client, "vitals", alice.patient)

    assert "86 kg" in text and "85.9597" not in text
    assert "Nov 29, 2026" in text


def test_a_visit_names_its_type_and_reason_without_snomed_tags(alice_client, alice):
    visit = EncounterFactory(
        patient=alice.patient,
        type_display="General examination of patient (procedure)",
        reason_display="Viral sinusitis (disorder)",
        period_start=WHEN,
    )

    text = page(alice_client, "visit", alice.patient, visit_id=visit.pk)

    assert "General examination of patient on Nov 29, 2026" in text
    assert "Viral sinusitis" in text and "(disorder)" not in text and "(procedure)" not in text
