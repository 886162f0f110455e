"""Creating an account, asking for one and accepting the terms, in Spanish (issue 17, point 2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.testing.auth import sign_in
from lantern.testing.factories_enrollment import TermsVersionFactory, issue_code
from lantern.testing.languages import main_content as main

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-US,es;q=0.9"}


def test_the_activation_code_step_is_in_spanish_with_spanish_month_names():
    response = Client().get(reverse("enrollment:start"), **SPANISH)

    assert response["Content-Language"] == "es"
    text = main(response.text)
    for words in (
        "Cree su cuenta",
        "Confirme su identidad",
        "Paso",
        "Código de activación",
        "Fecha de nacimiento",
        '<option value="1">enero</option>',
        "Apellido",
        "Continuar",
    ):
        assert words in text, words
    for words in ("Create your account", "Activation code", "January", "Last name"):
        assert words not in text, words


def test_wrong_details_are_reported_in_spanish(dora):
    issued = issue_code(dora)
    details = {
        "code": issued.code,
        "birth_month": "6",
        "birth_day": "16",
        "birth_year": "1975",
        "family_name": "Díaz-Ortega",
    }

    response = Client().post(reverse("enrollment:start"), details, **SPANISH)

    assert "No pudimos encontrar esos datos." in response.text
    assert "We could not match those details" not in response.text


def test_missing_fields_are_reported_in_spanish():
    response = Client().post(reverse("enrollment:start"), {"code": ""}, **SPANISH)

    assert "Escriba el código de activación que le dio su clínica." in response.text
    assert "Elija el mes en que nació." in response.text


def test_the_account_step_and_its_password_rules_are_in_spanish(dora):
    issued = issue_code(dora)
    client = Client()
    details = {
        "code": issued.code,
        "birth_month": "6",
        "birth_day": "15",
        "birth_year": "1975",
        "family_name": "Díaz-Ortega",
    }
    assert client.post(reverse("enrollment:start"), details, **SPANISH).status_code == 302

    page = main(client.get(reverse("enrollment:account"), **SPANISH).text)
    refused = client.post(
        reverse("enrollment:account"),
        {
            "username": "dora",
            "email": "dora@example.org",
            "password": "aaaaaaaaaaaaaaaa",
            "password_confirmation": "aaaaaaaaaaaaaaaa",
            "accept_terms": "on",
        },
        **SPANISH,
    )

    assert "Elija cómo iniciará sesión." in page and "Condiciones de uso" in page
    assert "Leí y acepto las condiciones de uso" in page and "Crear cuenta" in page
    assert "Create account" not in page
    assert "caracteres repetidos o seguidos" in refused.text


def test_asking_for_an_account_is_in_spanish(nora):
    text = main(Client().get(reverse("enrollment:sign_up"), **SPANISH).text)

    assert "Pida una cuenta" in text and "Nombre" in text and "Número de teléfono" in text
    assert "Ask for an account" not in text and "First name" not in text


def test_the_thanks_after_asking_is_in_spanish():
    text = main(Client().get(reverse("enrollment:sign_up_sent"), **SPANISH).text)

    assert "Gracias. La clínica revisará sus datos" in text and "Thank you" not in text


def test_new_terms_are_asked_in_spanish(alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    client = sign_in(Client(), alice)
    TermsVersionFactory(version="2027-01", body="Plain new terms.")

    text = main(client.get(reverse("enrollment:terms")).text)

    assert "Actualizamos nuestras condiciones de uso." in text
    assert "Versión 2027-01, publicada el" in text
    assert "Aceptar y continuar" in text and "No acepto: cerrar sesión" in text
    # The clinic's own terms are shown as the clinic wrote them.
    assert "Plain new terms." in text
    assert "Accept and continue" not in text
