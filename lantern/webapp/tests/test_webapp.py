"""The installable app's manifest, service worker and offline page, and signing out clearing what
the browser kept (without a browser; the journeys are in test_webapp_browser.py)."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_clinic_and_has_what_chromium_needs_to_install(client, settings):
    settings.CLINIC_NAME = "Riverside Family Clinic"
    settings.CLINIC_SHORT_NAME = "Riverside"
    settings.THEME_COLOR = "#1a4480"

    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Riverside Family Clinic"
    assert manifest["short_name"] == "Riverside"
    assert manifest["theme_color"] == "#1a4480"
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_every_icon_in_the_manifest_is_a_png_of_the_size_it_claims(client):
    manifest = json.loads(client.get("/manifest.webmanifest").content)

    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]


def test_the_short_name_defaults_to_the_clinics_first_word_when_the_name_is_long():
    from config.settings import CLINIC_NAME, CLINIC_SHORT_NAME

    assert len(CLINIC_SHORT_NAME) <= 12
    assert CLINIC_NAME.startswith(CLINIC_SHORT_NAME)


def test_every_page_links_the_manifest_and_the_theme_colour(client, alice, settings):
    settings.THEME_COLOR = "#1a4480"
    for html in [
        client.get("/signin/").content.decode(),
        sign_in(Client(), alice).get("/").content.decode(),
    ]:
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert '<meta name="theme-color" content="#1a4480">' in html
        assert 'src="/static/webapp/app.js"' in html


def test_the_worker_is_served_from_the_root_for_the_whole_site_and_allowed_by_the_policy(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    policy = response["Content-Security-Policy"]
    assert "worker-src 'self'" in policy
    assert "manifest-src 'self'" in policy


def test_the_worker_precaches_only_static_files_and_the_offline_page(client):
    script = client.get("/sw.js").content.decode()

    precache = json.loads(script.split("const PRECACHE = ", 1)[1].split(";\n", 1)[0])
    assert precache and all(url.startswith("/static/") for url in precache)
    assert 'const OFFLINE_URL = "/offline/";' in script
    assert 'const STATIC_PREFIX = "/static/";' in script
    for url in precache:
        assert finders.find(url.removeprefix("/static/")), url


def test_the_offline_page_holds_nothing_of_whoever_is_signed_in(alice):
    signed_in = sign_in(Client(), alice)

    html = signed_in.get("/offline/").content.decode()

    assert "<h1>You are offline</h1>" in html
    assert "csrfmiddlewaretoken" not in html
    assert "X-CSRFToken" not in html
    assert "Alice" not in html and "alice" not in html
    assert "Sign out" not in html


def test_signed_in_pages_stay_no_store(alice):
    response = sign_in(Client(), alice).get("/")

    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("address", ["/signout/", "/account/sign-out-everywhere/"])
def test_signing_out_tells_the_browser_to_clear_its_cache_and_storage(alice, address):
    response = sign_in(Client(), alice).post(address)

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_the_signed_out_page_clears_them_too_and_marks_itself_for_the_script(client):
    response = client.get("/signed-out/?reason=timeout")

    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert '<meta name="lantern-signed-out" content="">' in response.content.decode()


def test_the_install_hint_is_in_the_account_menu_and_hidden_until_the_browser_offers(alice):
    html = sign_in(Client(), alice).get("/").content.decode()

    menu = html.split('id="account-menu"', 1)[1].split("</ul>", 1)[0]
    assert '<li class="usa-nav__submenu-item" data-install-app hidden>' in menu
    assert "Install the app" in menu


def test_the_offline_page_and_the_manifest_speak_the_visitors_language(client, settings):
    settings.CLINIC_NAME = "Riverside Family Clinic"

    html = client.get("/offline/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    manifest = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="es").json()

    assert '<html lang="es">' in html
    assert "<h1>No tiene conexión</h1>" in html and "You are offline" not in html
    assert manifest["description"] == "El portal del paciente de Riverside Family Clinic."


def test_the_install_hint_is_in_the_account_menu_in_spanish(alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])

    html = sign_in(Client(), alice).get("/").content.decode()

    assert "Instalar la aplicación</button>" in html and "Install the app" not in html
