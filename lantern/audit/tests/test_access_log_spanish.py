"""The patient's access log in Spanish (issue 17, point 2): the page and every entry's words,
with people's, apps' and the clinic's names as they are kept."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.testing.auth import sign_in
from lantern.testing.languages import main_content as main
from lantern.testing.languages import speaking

pytestmark = pytest.mark.django_db


def log_url(patient) -> str:
    return reverse("audit:access_log", kwargs={"patient_id": patient.pk})


@pytest.fixture
def alice_es(alice):
    return speaking(alice)


@pytest.fixture
def named_nora(nora):
    nora.first_name, nora.last_name = "Nora", "Nguyen"
    nora.save()
    return nora


def test_the_access_log_and_its_entries_are_in_spanish(alice_es, named_nora):
    assert (
        sign_in(Client(), named_nora)
        .get(f"/patients/{alice_es.patient.pk}/record/problems/")
        .status_code
        == 200
    )

    response = sign_in(Client(), alice_es).get(log_url(alice_es.patient))

    assert response["Content-Language"] == "es"
    entry = response.context["page"].object_list[0]
    assert entry.who == "Nora Nguyen, personal de enfermería en Riverside Family Clinic"
    assert entry.role == "Personal de enfermería en su clínica"
    assert entry.what == "Vio sus problemas de salud"
    text = main(response.text)
    assert "<h1>Quién vio mi expediente</h1>" in text
    assert "Volver a su expediente de salud" in text
    assert "Mostrar también mis propias visitas" in text
    assert "envíe un mensaje a su clínica" in text
    for english in ("Who looked", "Viewed", "Nurse", "Show my own visits"):
        assert english not in text, english


def test_the_patients_own_visits_read_as_usted(alice_es):
    client = sign_in(Client(), alice_es)
    client.get(f"/patients/{alice_es.patient.pk}/record/")

    entries = client.get(log_url(alice_es.patient) + "?mine=1").context["page"].object_list

    assert any(entry.who == "Usted" and entry.role == "Paciente" for entry in entries)


def test_an_empty_log_says_so_in_spanish(alice_es):
    text = main(sign_in(Client(), alice_es).get(log_url(alice_es.patient)).text)

    assert "Nadie más ha abierto su expediente todavía." in text
    assert "Cuando alguien lo haga, aparecerá aquí." in text


def test_the_log_stays_in_english_by_default(alice, named_nora):
    sign_in(Client(), named_nora).get(f"/patients/{alice.patient.pk}/record/")

    response = sign_in(Client(), alice).get(log_url(alice.patient))

    entry = response.context["page"].object_list[0]
    assert entry.who == "Nora Nguyen, nurse at Riverside Family Clinic"
    assert entry.what == "Viewed your record"
    assert "Who looked at my record" in response.text
