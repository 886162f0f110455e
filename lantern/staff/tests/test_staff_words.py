"""Patient pages opened by staff name the patient, not "your"; staff write from the console."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db

ALICES = "Alice Adams's"


def page(user, name: str, patient) -> str:
    response = sign_in(Client(), user).get(reverse(name, kwargs={"patient_id": patient.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_staff_opening_a_record_see_the_patients_name_not_your(nora, alice):
    record = page(nora, "record:index", alice.patient)
    results = page(nora, "results:list", alice.patient)

    assert f"<h1>{escape(ALICES)} health record</h1>" in record
    assert "about your health" not in record
    assert f"<h1>{escape(ALICES)} test results</h1>" in results
    assert "Your lab tests" not in results


def test_the_patient_still_reads_your_record_and_your_results(alice):
    assert "<h1>Your health record</h1>" in page(alice, "record:index", alice.patient)
    assert "<h1>Your test results</h1>" in page(alice, "results:list", alice.patient)
