"""The health record's pages in Spanish for an account that chose it (issue 17, point 2):
Lantern's words, statuses and dosages in Spanish; clinical names as recorded."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lantern.clinical.models import ConditionClinicalStatus, MedicationRequest
from lantern.interop.tests import bundles
from lantern.record.dosage import instruction_in_words
from lantern.testing.auth import sign_in
from lantern.testing.factories import ConditionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_client(alice) -> Client:
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    return sign_in(Client(), alice)


def page(client: Client, name: str, patient) -> str:
    response = client.get(reverse(f"record:{name}", kwargs={"patient_id": patient.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_record_index_and_problems_speak_spanish(spanish_client, alice):
    ConditionFactory.create_batch(2, patient=alice.patient)
    ConditionFactory(
        patient=alice.patient,
        display="Sprained ankle",
        clinical_status=ConditionClinicalStatus.RESOLVED,
    )

    index = page(spanish_client, "index", alice.patient)
    assert "Su expediente de salud" in index
    assert "3 problemas de salud" in index
    assert "Quién vio mi expediente" in index
    assert "Your health record" not in index and "health problems" not in index

    problems = page(spanish_client, "problems", alice.patient)
    assert "Problemas de salud" in problems
    assert "Resuelto" in problems
    # The clinical name stays as recorded.
    assert "Sprained ankle" in problems
    assert "Resolved" not in problems and "Started" not in problems


def test_medications_and_their_dosage_speak_spanish(spanish_client, alice):
    MedicationRequest.objects.create(
        patient=alice.patient,
        source_system="test",
        fhir_id="structured",
        display="Ibuprofen 200 MG Oral Tablet",
        status="active",
        dosage_instructions=[bundles.twice_a_day_tablet()],
    )

    html = page(spanish_client, "medications", alice.patient)

    assert "Medicamentos que toma ahora" in html
    assert "1 tableta dos veces al día" in html
    assert "Ibuprofen 200 MG Oral Tablet" in html
    assert "twice a day" not in html and "How to take it" not in html


def test_every_section_has_spanish_words_when_empty(spanish_client, alice):
    for name, spanish, english in [
        ("allergies", "No tiene alergias registradas.", "You have no allergies"),
        ("immunizations", "No tiene vacunas registradas.", "You have no vaccines"),
        ("procedures", "No tiene procedimientos registrados.", "You have no procedures"),
        ("vitals", "Todavía no tiene signos vitales registrados.", "You have no vital signs"),
        ("visits", "Todavía no tiene consultas registradas.", "You have no visits"),
        ("documents", "Todavía no tiene documentos registrados.", "You have no documents"),
    ]:
        html = page(spanish_client, name, alice.patient)
        assert spanish in html, name
        assert english not in html, name


def test_dosages_in_english_stay_as_they_were():
    tablet = bundles.twice_a_day_tablet()
    with translation.override("en"):
        assert instruction_in_words(tablet, "Ibuprofen 200 MG Oral Tablet") == (
            "1 tablet twice a day"
        )
    with translation.override("es"):
        assert instruction_in_words(tablet, "Ibuprofen 200 MG Oral Tablet") == (
            "1 tableta dos veces al día"
        )
