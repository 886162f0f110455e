"""Messages in Spanish: the list, writing, a conversation and replying (issue 17, point 2)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from lantern.messaging import views
from lantern.messaging.models import AuthorRole
from lantern.testing.auth import sign_in
from lantern.testing.factories_messaging import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_alice(alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    return sign_in(Client(), alice)


def main_text(response) -> str:
    return response.content.decode().split("<main", 1)[1]


def test_the_list_and_the_compose_page_speak_spanish(spanish_alice, alice, nursing):
    ConversationFactory(patient=alice.patient, pool=nursing, subject="Knee pain", created_by=alice)
    list_url = reverse("messaging:list", kwargs={"patient_id": alice.patient_id})
    new_url = reverse("messaging:new", kwargs={"patient_id": alice.patient_id})

    listed = main_text(spanish_alice.get(list_url))
    assert "Escribir un mensaje nuevo" in listed and "Esperando respuesta" in listed
    assert "Abiertas" in listed and "Última actividad" in listed
    assert "Knee pain" in listed and "Nursing" in listed
    assert "Write a new message" not in listed and "Waiting for an answer" not in listed
    assert "No tiene conversaciones cerradas." in main_text(
        spanish_alice.get(list_url + "?show=closed")
    )

    compose = main_text(spanish_alice.get(new_url))
    assert "Los mensajes no son para emergencias" in compose
    assert "Respondemos los mensajes en 3 días hábiles." in compose
    assert "¿Para quién es?" in compose and "Enviar mensaje" in compose
    assert "Messages are not for emergencies" not in compose and "Subject" not in compose

    refused = main_text(spanish_alice.post(new_url, {"submission_id": str(uuid.uuid4())}))
    assert "Escriba un asunto." in refused and "Escriba su mensaje." in refused


def test_a_conversation_and_a_reply_speak_spanish(spanish_alice, alice, nursing, nora):
    nora.first_name, nora.last_name = "Nora", "Nguyen"
    nora.save()
    conversation = ConversationFactory(
        patient=alice.patient, pool=nursing, subject="Knee pain", created_by=alice
    )
    start = timezone.now() - dt.timedelta(days=1)
    MessageFactory(conversation=conversation, author=alice, body="First question", created_at=start)
    MessageFactory(
        conversation=conversation,
        author=nora,
        author_role=AuthorRole.STAFF,
        body="Nurse answer",
        created_at=start + dt.timedelta(hours=1),
    )
    url = reverse(
        "messaging:detail",
        kwargs={"patient_id": alice.patient_id, "conversation_id": conversation.pk},
    )

    thread = main_text(spanish_alice.get(url))
    assert "Volver a los mensajes" in thread and "Enviar respuesta" in thread
    assert "Usted</h2>" in thread and "Nora Nguyen, equipo de atención" in thread
    assert "Cerrar esta conversación" in thread
    assert "Send reply" not in thread and "Care team" not in thread

    sent = spanish_alice.post(url + "reply/", {"body": "", "submission_id": str(uuid.uuid4())})
    assert "Escriba su respuesta." in main_text(sent)
    # "Sent" is said once the message is committed (test_pages checks when); its words:
    with translation.override("es"):
        assert str(views.SENT) == "Su mensaje se envió."
