"""Family and caregivers in Spanish: the patient's page, the invitation email and link, ending
access, and the dates of a coming age change (issue 17, point 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from lantern.access.models import ProxyKind, ProxyRelationship
from lantern.family.services import age_changes_announce
from lantern.notifications.models import Notification
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, ProxyRelationshipFactory, UserFactory

from .conftest import send_invitation

pytestmark = pytest.mark.django_db


def main_text(response) -> str:
    # The page's own words; the frame around it (navigation, footer) is not this app's.
    return response.content.decode().split("<main", 1)[1]


def speaks_spanish(user):
    user.preferred_language = "es"
    user.save(update_fields=["preferred_language"])
    return user


def test_the_family_page_and_the_invitation_email_speak_spanish(
    alice, bob, django_capture_on_commit_callbacks
):
    client = sign_in(Client(), speaks_spanish(alice))

    page = main_text(client.get("/account/family/"))
    assert "Familiares y cuidadores" in page and "Personas que pueden ayudarle ahora" in page
    assert "Bob Baker" in page and "Terminar acceso" in page and "Enviar invitación" in page
    assert "Su correo electrónico" in page and "Acceso completo" in page
    assert "Family and caregivers" not in page and "End access" not in page

    send_invitation(client, django_capture_on_commit_callbacks)
    email = mail.outbox[-1]
    assert email.subject.startswith("Alice le invitó a ayudar con su cuidado")
    assert "Para aceptar o rechazar, abra este enlace:" in email.body
    assert "To accept or decline" not in email.body
    pending = main_text(client.get("/account/family/"))
    assert "Enviamos una invitación a carol@example.org." in pending
    assert "Invitaciones que esperan respuesta" in pending and "Invitación enviada" in pending

    confirm = client.post(
        "/account/family/end/", {"relationship": ProxyRelationship.objects.get(proxy=bob).pk}
    )
    assert "¿Terminar el acceso de Bob Baker?" in main_text(confirm)


def test_the_invitee_reads_and_accepts_the_invitation_in_spanish(
    alice, alice_client, django_capture_on_commit_callbacks
):
    invitation = send_invitation(alice_client, django_capture_on_commit_callbacks)
    carol = speaks_spanish(UserFactory(username="carol", first_name="Carol", last_name="Cole"))
    client = sign_in(Client(), carol)

    client.get(invitation.path)
    page = main_text(client.get("/family/invitation/"))
    assert "le invitó a ayudar con su cuidado" in page
    assert "Expediente médico y resultados de pruebas" in page
    assert "Aceptar" in page and "Rechazar" in page
    assert "has invited you" not in page and "Health record" not in page

    accepted = client.post("/family/invitation/answer/", {"answer": "accept"})
    assert "Ahora puede ayudar a Alice" in main_text(accepted)


def test_a_coming_age_change_gives_its_date_in_the_accounts_language():
    today = dt.date(2026, 11, 29)
    birthday = today + dt.timedelta(days=30)
    child = PatientFactory(birth_date=birthday.replace(year=birthday.year - 12))
    parent = speaks_spanish(
        UserFactory(username="paula", email="paula@example.org", email_verified_at=timezone.now())
    )
    ProxyRelationshipFactory(proxy=parent, patient=child, kind=ProxyKind.PARENT)

    assert age_changes_announce(today=today) == 1

    assert "29 dic 2026" in Notification.objects.get(to_address=parent.email).body
