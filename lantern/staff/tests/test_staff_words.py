"""Patient pages opened by staff name the patient, not "your"; staff write from the console."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from lantern.messaging.models import Conversation
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


def test_a_nurse_is_sent_from_the_patients_compose_form_to_the_console_inbox(nora, alice):
    client = sign_in(Client(), nora)
    compose = reverse("messaging:new", kwargs={"patient_id": alice.patient.pk})

    response = client.get(compose, follow=True)
    posted = client.post(compose, {"subject": "Hello", "body": "From the nurse"})
    messages_page = page(nora, "messaging:list", alice.patient)

    assert response.redirect_chain == [(reverse("staff:inbox"), 302)]
    assert "The new-message form is for patients and their proxies." in response.content.decode()
    assert posted.status_code == 302
    assert not Conversation.objects.filter(patient=alice.patient).exists()
    assert compose not in messages_page
    assert reverse("staff:inbox") in messages_page
