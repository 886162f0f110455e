"""Emails and text messages go out in the recipient's language (issue 17): the account's choice,
else the clinic's default, never the language of whoever set the message off."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from lantern.accounts.services import password_reset_request
from lantern.notifications.models import (
    DeliveredSms,
    NotificationChannel,
    NotificationEvent,
    NotificationKind,
)
from lantern.notifications.preferences import notify_patient_accounts, preferences_set
from lantern.notifications.services import notification_render, notification_send
from lantern.notifications.testing import deliver_all
from lantern.notifications.tests.test_templates import DOCUMENTED_CONTEXT
from lantern.testing.factories_mfa import SmsDeviceFactory

ALICE_MOBILE = "+15555550123"


@pytest.fixture(autouse=True)
def _clinic(settings):
    settings.CLINIC_NAME = "Riverside Family Clinic"
    settings.PUBLIC_BASE_URL = "https://portal.example.org"


@pytest.fixture
def alice_in_spanish(alice):
    alice.preferred_language = "es"
    alice.email_verified_at = timezone.now()
    alice.phone = ALICE_MOBILE
    alice.save(update_fields=["preferred_language", "email_verified_at", "phone"])
    SmsDeviceFactory(user=alice, phone=ALICE_MOBILE)
    return alice


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_message_has_a_spanish_version_as_complete_and_brief_as_the_english(kind):
    context = DOCUMENTED_CONTEXT[kind]
    english = notification_render(kind=kind, channel=NotificationChannel.EMAIL, context=context)
    subject, body = notification_render(
        kind=kind, channel=NotificationChannel.EMAIL, context=context, language="es"
    )
    _, sms = notification_render(
        kind=kind, channel=NotificationChannel.SMS, context=context, language="es"
    )

    assert subject != english[0] and body != english[1]
    assert body.startswith("Hola:\n")
    assert body.endswith(
        "--\nRiverside Family Clinic\n"
        "Nunca le pediremos su contraseña por correo electrónico ni por mensaje de texto.\n"
        "Consejos para proteger su cuenta: https://portal.example.org/security-tips/\n"
    )
    for leftover in ("{{", "}}", "{%", "%}", "%(", "Hello", "Sign in"):
        assert leftover not in subject + body + sms
    assert "Riverside Family Clinic" in sms and len(sms) <= 306


def test_rendering_in_a_language_leaves_the_callers_language_alone():
    with translation.override("en"):
        notification_render(
            kind=NotificationKind.PASSWORD_CHANGED,
            channel=NotificationChannel.EMAIL,
            context={},
            language="es",
        )
        assert translation.get_language() == "en"


def test_a_time_is_written_the_spanish_way(settings):
    settings.TIME_ZONE = "America/New_York"
    _, body = notification_render(
        kind=NotificationKind.NEW_DEVICE_SIGN_IN,
        channel=NotificationChannel.EMAIL,
        context={
            "device": "Firefox en Windows",
            "when": dt.datetime(2025, 3, 3, 19, 15, tzinfo=dt.UTC),
        },
        language="es",
    )
    assert "Dispositivo: Firefox en Windows\n" in body
    assert "Cuándo: 3 de marzo de 2025, 2:15 PM EST\n" in body


@pytest.mark.django_db
def test_without_a_language_a_message_is_in_the_clinics_default_not_the_active_one():
    with translation.override("es"):
        (notification,) = notification_send(
            kind=NotificationKind.SIGN_IN_CODE, phone="+15555550100", context={"code": "482913"}
        )
    assert notification.body.startswith("482913 is your Riverside Family Clinic sign-in code.")


@pytest.mark.django_db
def test_a_spanish_speakers_notice_email_arrives_in_spanish(alice_in_spanish, smtp_server):
    notify_patient_accounts(
        patient=alice_in_spanish.patient, event=NotificationEvent.NEW_MESSAGE, dedupe_key="m:1"
    )

    assert deliver_all() == 1

    (message,) = smtp_server.messages
    assert message["To"] == "alice@example.org"
    assert message["Subject"] == "Tiene un mensaje nuevo de Riverside Family Clinic"
    body = message.get_content().replace("\r\n", "\n")
    assert "Inicie sesión para leerlo:\nhttps://portal.example.org/messages/\n" in body
    assert "Sign in" not in body and "You have a new message" not in body


@pytest.mark.django_db
def test_a_spanish_speakers_text_message_is_in_spanish(alice_in_spanish, smtp_server):
    preferences_set(alice_in_spanish, {NotificationEvent.NEW_MESSAGE: (False, True)})
    notify_patient_accounts(
        patient=alice_in_spanish.patient, event=NotificationEvent.NEW_MESSAGE, dedupe_key="m:2"
    )

    assert deliver_all() == 1

    (sms,) = DeliveredSms.objects.all()
    assert sms.to_address == ALICE_MOBILE
    assert sms.body == (
        "Riverside Family Clinic: Tiene un mensaje nuevo. Inicie sesión para leerlo: "
        "https://portal.example.org/messages/\n"
    )
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_reset_link_asked_for_in_english_goes_out_in_the_accounts_language(
    alice_in_spanish, smtp_server
):
    with translation.override("en"):
        password_reset_request(email_or_username=alice_in_spanish.username, request_key="k" * 20)

    assert deliver_all() == 1
    (message,) = smtp_server.messages
    assert message["Subject"] == "Restablezca su contraseña"
    assert "El enlace funciona una sola vez y vence en 1 hora." in message.get_content()


@pytest.mark.django_db
def test_an_english_speakers_notice_stays_english_when_sent_from_a_spanish_page(alice, smtp_server):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])

    with translation.override("es"):
        notify_patient_accounts(
            patient=alice.patient, event=NotificationEvent.NEW_MESSAGE, dedupe_key="m:3"
        )

    assert deliver_all() == 1
    (message,) = smtp_server.messages
    assert message["Subject"] == "You have a new message from Riverside Family Clinic"
    assert not re.search(r"Inicie|Tiene", message.get_content())
