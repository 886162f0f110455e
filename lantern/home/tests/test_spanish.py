"""The home page in Spanish for an account that chose it (issue 17, point 2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.testing.auth import sign_in

from .builders import make_report

pytestmark = pytest.mark.django_db


def test_the_home_page_speaks_spanish(alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    make_report(alice.patient, display="Lipid panel")
    make_report(alice.patient, display="Glucose", days_ago=3)

    response = sign_in(Client(), alice).get(reverse("home:home"))
    html = response.content.decode()

    assert "<h1>Bienvenido/a, Alice</h1>" in html
    assert "Lo que necesita su atención" in html
    assert "Tiene <strong>2</strong> resultados de pruebas nuevos que aún no ha abierto." in html
    assert "Actividad reciente" in html
    # The test's name stays as recorded.
    assert "Lipid panel" in html
    for english in ("Welcome,", "What needs your attention", "Recent activity", "new test results"):
        assert english not in html


def test_the_people_page_speaks_spanish(alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])

    html = sign_in(Client(), alice).get(reverse("home:people")).content.decode()

    assert "De quién es el expediente" in html
    assert "Whose record" not in html
