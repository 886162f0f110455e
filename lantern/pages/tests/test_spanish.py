"""The help centre, the accessibility statement and the privacy notice in Spanish (issue 17,
point 2): for a visitor whose browser asks for it, and for an account that chose it."""

from __future__ import annotations

import pytest
from django.test import Client

from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db

SPANISH = {
    "/help/": ("Ayuda", "En una emergencia", "Qué significan las palabras de sus resultados"),
    "/accessibility/": ("Declaración de accesibilidad", "Lo que buscamos"),
    "/privacy/": ("Aviso de privacidad", "Quién puede ver su expediente"),
}
ENGLISH = {
    "/help/": ("Creating an account", "On this page"),
    "/accessibility/": ("Accessibility statement", "What we aim for"),
    "/privacy/": ("Privacy notice", "Who can see your record"),
}


@pytest.mark.parametrize("address", SPANISH)
def test_a_visitor_whose_browser_asks_for_spanish_reads_the_page_in_spanish(client, address):
    response = client.get(address, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    html = response.content.decode()

    assert response.status_code == 200
    for words in SPANISH[address]:
        assert words in html
    for words in ENGLISH[address]:
        assert words not in html


@pytest.mark.parametrize("address", SPANISH)
def test_an_account_that_chose_spanish_reads_the_page_in_spanish(alice, address):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])

    html = sign_in(Client(), alice).get(address, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for words in SPANISH[address]:
        assert words in html


@pytest.mark.parametrize("address", SPANISH)
def test_english_stays_the_default(client, address):
    html = client.get(address).content.decode()

    for words in ENGLISH[address]:
        assert words in html
