"""The account pages in Spanish, and the language chosen in account settings (issue 17, point 2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts import reauth
from lantern.accounts.models import SignInEvent, User, UserSession
from lantern.accounts.templatetags.device_words import device_words, place_words
from lantern.testing.auth import sign_in
from lantern.testing.languages import main_content as main

pytestmark = pytest.mark.django_db


def spanish(user: User) -> User:
    user.preferred_language = "es"
    user.save(update_fields=["preferred_language"])
    return user


def test_the_settings_page_offers_a_labelled_language_list_with_the_accounts_choice(alice):
    text = sign_in(Client(), alice).get(reverse("accounts:settings")).text

    assert '<h2 id="language-heading">Language</h2>' in text
    assert '<label class="usa-label" for="id_language">Language</label>' in text
    assert '<option value="en" lang="en" selected>English</option>' in text
    assert '<option value="es" lang="es">Español</option>' in text


def test_choosing_spanish_saves_it_and_the_next_page_is_in_spanish(alice):
    client = sign_in(Client(), alice)

    response = client.post(reverse("accounts:language"), {"language": "es"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:settings')}#language-heading"
    alice.refresh_from_db()
    assert alice.preferred_language == "es"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "es"
    assert "Se guardó su idioma." in page.text
    assert "<h1>Su cuenta</h1>" in page.text and "Your account" not in main(page.text)
    assert '<option value="es" lang="es" selected>Español</option>' in page.text


def test_choosing_english_again_brings_the_pages_back_to_english(alice):
    client = sign_in(Client(), spanish(alice))

    response = client.post(reverse("accounts:language"), {"language": "en"}, follow=True)

    alice.refresh_from_db()
    assert alice.preferred_language == "en"
    assert response["Content-Language"] == "en"
    assert "Your language was saved." in response.text and "<h1>Your account</h1>" in response.text


def test_an_unknown_language_is_refused_and_nothing_changes(alice):
    client = sign_in(Client(), alice)

    response = client.post(reverse("accounts:language"), {"language": "fr"}, follow=True)

    alice.refresh_from_db()
    assert alice.preferred_language == ""
    assert "Choose a language, then save." in response.text


def test_the_language_is_changed_only_by_a_post(alice):
    assert sign_in(Client(), alice).get(reverse("accounts:language")).status_code == 405


def test_the_account_settings_page_is_in_spanish(alice):
    client = sign_in(Client(), spanish(alice))
    UserSession.objects.create(
        user=alice,
        session_key_hash="0" * 64,
        created_at=timezone.now(),
        last_seen_at=timezone.now(),
        device_label="Firefox on Windows",
        place="On a private network",
    )

    text = main(client.get(reverse("accounts:settings")).text)

    for words in (
        "Sus datos",
        "Nombre de usuario",
        "Verificación en dos pasos",
        "Unidades de peso y estatura",
        "Sistema métrico (kg, cm)",
        "Idioma",
        "Dónde tiene la sesión iniciada",
        "Firefox en Windows",
        "En una red privada",
        "Cerrar sesión en todas partes",
        "Inicios de sesión recientes",
    ):
        assert words in text, words
    for words in ("Your details", "Two-step verification", "Sign out everywhere", "private"):
        assert words not in text, words


@pytest.mark.parametrize(
    ("name", "spanish_words", "english_words"),
    [
        ("accounts:sign_in", "Iniciar sesión", "Forgot password?"),
        ("accounts:forgot_password", "Restablezca su contraseña", "Email me a link"),
        ("accounts:forgot_username", "Obtener su nombre de usuario", "Email my username"),
        ("accounts:security_tips", "Proteja su cuenta", "Use a strong password"),
        ("accounts:signed_out", "Usted cerró su sesión.", "You signed out."),
    ],
)
def test_the_public_account_pages_follow_the_browsers_spanish(name, spanish_words, english_words):
    response = Client().get(reverse(name), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")

    assert response["Content-Language"] == "es"
    assert spanish_words in response.text
    assert english_words not in main(response.text)


def test_sign_in_errors_are_in_spanish(alice):
    response = Client().post(
        reverse("accounts:sign_in"),
        {"username": alice.username, "password": "not the password"},
        HTTP_ACCEPT_LANGUAGE="es",
    )

    assert "El nombre de usuario o la contraseña no son correctos." in response.text
    assert "The username or password is not right" not in response.text


def test_the_signed_in_pages_for_changes_are_in_spanish(alice):
    client = sign_in(Client(), spanish(alice))
    session = client.session
    session[reauth.SESSION_KEY] = timezone.now().timestamp()
    session.save()

    assert "Cambiar su contraseña" in client.get(reverse("accounts:change_password")).text
    assert "Cambiar su correo electrónico" in client.get(reverse("accounts:change_email")).text
    phone = client.get(reverse("accounts:change_phone")).text
    assert "Su número de celular" in phone and "Número de teléfono celular" in phone


def test_stored_device_and_place_words_are_said_in_the_active_language():
    from django.utils import translation

    with translation.override("es"):
        assert device_words("Mobile Safari on iOS (iPhone)") == "Mobile Safari en iOS (iPhone)"
        assert device_words("A browser on Linux") == "Un navegador en Linux"
        assert device_words("Unknown device") == "Dispositivo desconocido"
        assert device_words("Firefox") == "Firefox"
        assert place_words("Internet address 203.0.113.x") == "Dirección de internet 203.0.113.x"
        assert place_words("Boston, United States") == "Boston, United States"
    with translation.override("en"):
        assert device_words("Firefox on Windows") == "Firefox on Windows"
        assert place_words("Unknown place") == "Unknown place"


def test_sign_in_events_show_in_spanish_on_the_settings_page(alice):
    client = sign_in(Client(), spanish(alice))
    SignInEvent.objects.create(
        user=alice,
        at=timezone.now(),
        device_label="Unknown device",
        place="Unknown place",
        second_factor_at=timezone.now(),
    )

    text = client.get(reverse("accounts:settings")).text

    assert "Dispositivo desconocido" in text and "Lugar desconocido" in text
    assert "Completado" in text and "Inició sesión" in text


def test_the_time_out_warning_hands_its_countdown_words_to_the_script_in_spanish(alice):
    text = sign_in(Client(), spanish(alice)).get(reverse("accounts:settings")).text

    assert 'data-one-minute="1 minuto"' in text
    assert 'data-one-second="1 segundo"' in text
    assert 'data-seconds-word="segundos"' in text
    assert "¿Quiere seguir con la sesión iniciada?" in text
    assert "cerraremos su sesión en <span data-countdown>1 minuto</span>." in text
