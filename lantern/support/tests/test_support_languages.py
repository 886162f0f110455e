"""The "Contact support" pages in Spanish, and the language a request was written in kept for
the staff who answer it (issue 17)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from lantern.access.models import StaffRole
from lantern.notifications.models import Notification
from lantern.support.models import SupportRequest
from lantern.testing.auth import sign_in
from lantern.testing.factories import StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTACT = "/help/contact/"
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


def details(**changes):
    fields = {
        "name": "Jill Tillman",
        "email": "jill@example.org",
        "phone": "",
        "topic": "signing_in",
        "message": "No me llega el código.",
        "submission_key": "s" * 32,
        "website": "",
    }
    return {**fields, **changes}


def test_the_contact_page_and_its_form_are_in_spanish(client, nora):
    html = client.get(CONTACT, **SPANISH).content.decode()

    for spanish in (
        "<h1>Pedir ayuda</h1>",
        "¿Cómo podemos comunicarnos con usted?",
        "Su nombre",
        "Iniciar sesión, mi contraseña o mi segundo paso",
        "- Elija -",
        ">Enviar</button>",
    ):
        assert spanish in html
    for english in ("Contact support", "Your name", "Something else", ">Send</button>"):
        assert english not in html


def test_form_errors_are_in_spanish(client, nora):
    response = client.post(CONTACT, details(name="", email="", topic=""), **SPANISH)

    html = response.content.decode()
    assert "Hay un problema" in html
    assert "Escriba su nombre." in html
    assert "Elija de qué se trata su solicitud." in html
    assert "Escriba un correo electrónico o un número de teléfono para recibir respuesta." in html
    assert "Enter your name." not in html


def test_the_sent_page_is_in_spanish(client, nora):
    response = client.post(CONTACT, details(), follow=True, **SPANISH)

    html = response.content.decode()
    assert "<h1>Recibimos su solicitud</h1>" in html
    assert "días hábiles" in html or "día hábil" in html


def test_staff_see_the_language_a_request_was_written_in(client, nora):
    client.post(CONTACT, details(), **SPANISH)
    support_request = SupportRequest.objects.get()
    assert support_request.language == "es"

    html = sign_in(Client(), nora).get(f"/staff/support/{support_request.pk}/").content.decode()
    assert '<dd data-testid="support-language">Español</dd>' in html


def test_the_notice_to_an_administrator_is_in_their_language_not_the_senders(client, clinic):
    ada = UserFactory(username="ada", email="ada@clinic.example", is_staff=True)
    ada.email_verified_at = timezone.now()
    ada.save(update_fields=["email_verified_at"])
    StaffMembershipFactory(user=ada, organization=clinic, role=StaffRole.ADMINISTRATOR)
    ben = UserFactory(username="ben", email="ben@clinic.example", is_staff=True)
    ben.email_verified_at = timezone.now()
    ben.preferred_language = "es"
    ben.save(update_fields=["email_verified_at", "preferred_language"])
    StaffMembershipFactory(user=ben, organization=clinic, role=StaffRole.ADMINISTRATOR)

    client.post(CONTACT, details(), **SPANISH)

    subjects = dict(Notification.objects.values_list("to_address", "subject"))
    assert subjects["ada@clinic.example"].startswith("A new support request for ")
    assert subjects["ben@clinic.example"].startswith("Una solicitud de ayuda nueva para ")
