"""The second-step pages in Spanish (issue 17, point 2): signing in, setting up and managing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.accounts import reauth
from lantern.mfa.services import backup_codes_create, trusted_device_create
from lantern.testing.auth import sign_in, sign_in_password_only
from lantern.testing.factories_mfa import SmsDeviceFactory, TOTPDeviceFactory
from lantern.testing.languages import main_content as main
from lantern.testing.languages import speaking

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_es(alice):
    return speaking(alice)


def test_the_second_step_is_asked_in_spanish(client, alice_es):
    TOTPDeviceFactory(user=alice_es)
    SmsDeviceFactory(user=alice_es)
    sign_in_password_only(client, alice_es)

    response = client.get(reverse("mfa:verify"))

    assert response["Content-Language"] == "es"
    text = main(response.text)
    assert "Confirme que es usted" in text
    assert "Abra su aplicación de autenticación" in text
    assert "Confiar en este dispositivo por 30 días" in text
    assert "Código por mensaje de texto (número de teléfono que termina en 0123)" in text
    assert "Un código de respaldo" in text
    for english in ("Confirm it is you", "Trust this device", "phone number ending", "Continue"):
        assert english not in text, english


def test_a_wrong_code_is_refused_in_spanish(client, alice_es):
    TOTPDeviceFactory(user=alice_es)
    sign_in_password_only(client, alice_es)

    response = client.post(f"{reverse('mfa:verify')}?method=app", {"code": "000000"})

    assert "Ese código no funcionó. Revíselo y vuelva a intentarlo." in response.text
    assert "That code did not work" not in response.text


def test_the_text_message_setup_says_where_the_code_goes_in_spanish(client, alice_es):
    alice_es.phone = "+15555550123"
    alice_es.save(update_fields=["phone"])
    sign_in_password_only(client, alice_es)

    text = main(client.get(reverse("mfa:setup_method", args=["sms"])).text)

    assert "Configurar código por mensaje de texto" in text
    assert "su número de teléfono que termina en 0123" in text


def test_the_setup_choices_are_in_spanish(client, alice_es):
    sign_in_password_only(client, alice_es)

    text = main(client.get(reverse("mfa:setup")).text)

    assert "Proteja su cuenta con un segundo paso" in text
    assert "Configurar aplicación de autenticación" in text and "Recomendada" in text
    assert "Configurar llave de acceso" in text
    assert "Set up" not in text and "Recommended" not in text


def test_the_manage_page_is_in_spanish(client, alice_es):
    TOTPDeviceFactory(user=alice_es)
    backup_codes_create(user=alice_es)
    trusted_device_create(
        user=alice_es,
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
    )
    sign_in(client, alice_es)

    text = main(client.get(reverse("mfa:manage")).text)

    assert "Formas de iniciar sesión" in text
    assert "Aplicación de autenticación" in text
    assert "Tiene <strong>10</strong> códigos sin usar." in text
    assert "Chrome en Android" in text
    assert "Dejar de confiar" in text
    for english in ("Ways to sign in", "unused codes", "Chrome on Android", "Stop trusting"):
        assert english not in text, english


def test_new_backup_codes_are_offered_in_spanish(client, alice_es):
    TOTPDeviceFactory(user=alice_es)
    sign_in(client, alice_es)
    session = client.session
    session[reauth.SESSION_KEY] = timezone.now().timestamp()
    session.save()

    asked = main(client.get(reverse("mfa:backup_codes_regenerate")).text)
    shown = main(client.post(reverse("mfa:backup_codes_regenerate")).text)

    assert "Obtener códigos de respaldo nuevos" in asked and "Cancelar" in asked
    assert "Guarde sus códigos de respaldo" in shown and "Imprimir estos códigos" in shown


def test_the_passkey_pages_and_their_script_words_are_in_spanish(client, alice_es):
    sign_in_password_only(client, alice_es)

    page = client.get(reverse("mfa:setup_passkey"))
    # The status messages the passkey script shows come from django-otp-webauthn's own catalog,
    # served in the page's language.
    script_words = client.get(reverse("mfa:passkey_js_catalog"))

    assert "Crear una llave de acceso" in page.text
    assert "Este navegador no puede crear llaves de acceso." in page.text
    assert "Verificando" in script_words.content.decode()
