"""Asking for a refill in Spanish: the form, the check page, the request and its history
(issue 17, point 2)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from lantern.refills import services
from lantern.refills.models import RefillRequest
from lantern.testing.auth import sign_in

from .factories import medication, request_refill, staff_access

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def spanish_alice(alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    return sign_in(Client(), alice)


def test_the_request_form_and_its_check_page_speak_spanish(spanish_alice, alice, pharmacy):
    medicine = medication(alice.patient, display="Lisinopril 10 MG", refills_allowed=2)
    medication(alice.patient, display="Amoxicillin", refills_allowed=0)
    url = reverse("refills:request", kwargs={"patient_id": alice.patient.pk})

    form = text_of(spanish_alice.get(url))

    assert "Pedir un resurtido" in form and "¿Qué medicamentos?" in form
    assert "Quedan 2 resurtidos." in form and "Puede pedir una renovación" in form
    assert "Guardar esta farmacia en mi lista" in form
    assert "Lisinopril 10 MG" in form
    assert "Request a refill" not in form and "Which medicines?" not in form

    fields = {
        "medications": [str(medicine.pk)],
        "pharmacy": str(pharmacy.pk),
        "submission_id": str(uuid.uuid4()),
    }
    empty = text_of(spanish_alice.post(url, {"step": "review", "submission_id": str(uuid.uuid4())}))
    assert "Elija al menos un medicamento." in empty
    review = text_of(spanish_alice.post(url, {**fields, "step": "review"}))
    assert "Revise su solicitud" in review and "Enviar solicitud" in review
    assert "Check your request" not in review

    sent = spanish_alice.post(url, {**fields, "step": "send"}, follow=True)
    assert "Su solicitud se envió a la clínica" in text_of(sent)


def test_a_request_and_its_history_speak_spanish(spanish_alice, alice, nora, pharmacy):
    refill = request_refill(alice, medication(alice.patient, display="Lisinopril"), pharmacy)
    services.refill_deny(
        access=staff_access(nora, alice.patient), refill=refill, reason="Please book a review."
    )
    url = reverse("refills:detail", kwargs={"patient_id": alice.patient.pk, "refill_id": refill.pk})

    html = text_of(spanish_alice.get(url))

    assert "Solicitud de resurtido: Lisinopril" in html
    assert "No aprobado" in html and "Por qué no se aprobó" in html
    assert "Pedido" in html and "por la clínica" in html
    # What the clinic wrote stays as written.
    assert "Please book a review." in html
    assert "Refill request" not in html and "Why it was not approved" not in html
    assert RefillRequest.objects.count() == 1
