"""The consent screen and the connected-apps page in Spanish (issue 17, point 2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.fhir_api.bearer import caller_for_token
from lantern.fhir_api.models import AppAuthorization
from lantern.fhir_api.testing import connected_app_token
from lantern.fhir_api.tests.launch import Launch, register_app
from lantern.testing.auth import sign_in
from lantern.testing.languages import main_content as main

pytestmark = pytest.mark.django_db


def spanish(user):
    user.preferred_language = "es"
    user.save(update_fields=["preferred_language"])
    return user


def test_the_consent_screen_is_in_spanish_and_the_app_keeps_its_name(alice):
    application, _ = register_app(name="Health Diary")
    launch = Launch(
        application,
        spanish(alice),
        scope="launch/patient patient/Observation.rs patient/Condition.rs",
    )

    text = main(launch.client.get(launch.authorize_query()).content.decode())

    assert "¿Permitir que Health Diary vea su información de salud?" in text
    assert "Resultados de pruebas" in text and "Problemas de salud" in text
    assert "Lo que puede ver Health Diary" in text
    assert "Permitir" in text and "No permitir" in text
    for english in ("Let Health Diary", "Test results", "Allow", "Untick"):
        assert english not in text, english


def test_consent_without_anything_ticked_is_refused_in_spanish(alice):
    application, _ = register_app()
    launch = Launch(application, spanish(alice))

    answer = launch.consent(kinds=[])

    assert answer.status_code == 400
    assert "Marque al menos un tipo de información, o elija No permitir." in answer.text


def test_connected_apps_are_listed_in_spanish(alice):
    raw = connected_app_token(
        alice, alice.patient, "patient/Observation.rs patient/Condition.rs", app_name="Diary"
    )
    caller_for_token(raw)

    text = main(sign_in(Client(), spanish(alice)).get("/account/apps/").text)

    assert "Aplicaciones conectadas" in text and "Diary" in text
    assert "Ve su propio expediente." in text and "Puede ver:" in text
    assert "Resultados de pruebas" in text and "Última lectura:" in text
    assert "Desconectar Diary" in text
    for english in ("Connected apps", "Test results", "Last read", "Disconnect"):
        assert english not in text, english


def test_disconnecting_is_confirmed_in_spanish(alice):
    connected_app_token(alice, alice.patient, "patient/*.rs", app_name="Diary")
    authorization = AppAuthorization.objects.get(user=alice)
    address = reverse(
        "smart:connected_app_disconnect", kwargs={"authorization_id": authorization.public_id}
    )

    answer = sign_in(Client(), spanish(alice)).post(address, follow=True)

    assert "Se desconectó la aplicación. Ya no puede leer nada." in answer.text


def test_with_no_apps_the_page_says_so_in_spanish(alice):
    text = main(sign_in(Client(), spanish(alice)).get("/account/apps/").text)

    assert "No ha conectado ninguna aplicación." in text
