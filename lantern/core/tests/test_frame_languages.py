"""The page frame speaks the page's language: `<html lang>`, the header, the menus, the footer and
the error pages; the language chooser in the public header and the account menu (issue 17)."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.test import Client

from lantern.core.templatetags import frame_fragments
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_fragments_kept():
    frame_fragments._fragments.clear()
    yield
    frame_fragments._fragments.clear()


def chooser(html: str) -> str:
    return re.search(r"<form[^>]*data-language-chooser.*?</form>", html, flags=re.S).group(0)


def test_a_visitors_page_is_english_by_default_with_a_chooser_offering_spanish(client):
    html = client.get("/signin/").content.decode()

    assert '<html lang="en">' in html
    form = chooser(html)
    assert 'action="/language"' in form and 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<input type="hidden" name="next" value="/signin/">' in form
    assert 'name="language" value="es" lang="es"' in form
    assert ">Español</button>" in form
    assert ">English</button>" not in form
    assert "Skip to main content" in html and "Create your account" in html


def test_the_chooser_escapes_the_address_it_comes_back_to_and_its_classes(rf):
    # The chooser is drawn in Python (core.templatetags.language_chooser), not by a template.
    page = Template(
        '{% load language_chooser %}{% language_chooser chooser_class="a<b" button_class="c\'d" %}'
    ).render(
        Context({"request": rf.get("/"), "csrf_token": "tok&en", "language_next": '/x?a="<b>'})
    )

    assert '<input type="hidden" name="next" value="/x?a=&quot;&lt;b&gt;">' in page
    assert 'value="tok&amp;en"' in page and 'class="a&lt;b"' in page
    assert 'class="c&#x27;d">Español</button>' in page
    assert "<b>" not in page


def test_without_a_csrf_token_there_is_no_chooser(rf):
    page = Template("{% load language_chooser %}{% language_chooser %}").render(
        Context({"request": rf.get("/")})
    )

    assert page == ""


def test_a_visitor_who_chooses_spanish_gets_the_frame_in_spanish(client):
    page = client.get("/signin/?next=/results/").content.decode()
    next_path = re.search(r'name="next" value="([^"]+)"', chooser(page)).group(1)
    assert next_path == "/signin/?next=/results/"

    response = client.post("/language", {"language": "es", "next": next_path})
    assert response.status_code == 302 and response["Location"] == next_path

    html = client.get(next_path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in html
    header = re.search(r"<header.*?</header>", html, flags=re.S).group(0)
    assert 'aria-label="Obtener una cuenta"' in header
    assert ">Cree su cuenta</a>" in header and ">Pida una cuenta</a>" in header
    assert "Create your account" not in header and "Ask for an account" not in header
    assert "Ir al contenido principal" in html and "Skip to main content" not in html
    assert "Enlaces importantes" in html and "Important links" not in html
    form = chooser(html)
    assert 'name="language" value="en" lang="en"' in form and ">English</button>" in form
    assert ">Español</button>" not in form


def test_the_browsers_language_chooses_before_anything_is_chosen(client):
    html = client.get("/signin/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").content.decode()
    assert '<html lang="es">' in html
    assert "Acerca de este sitio web" in html


def test_a_spanish_speakers_menus_footer_and_chooser_are_in_spanish(alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    client = sign_in(Client(), alice)

    html = client.get(f"/patients/{alice.patient.pk}/results/").content.decode()

    assert '<html lang="es">' in html
    for spanish in (
        "<span>Inicio</span>",
        'aria-current="page"><span>Resultados</span>',
        "<span>Expediente médico</span>",
        "<span>Su cuenta</span>",
        "<span>Configuración</span>",
        ">Cerrar sesión</button>",
        ">Consejos de seguridad</a>",
        'aria-label="Menú principal"',
    ):
        assert spanish in html
    for english in (
        'class="lantern-nav__sign-out">Sign out<',
        "<span>Your account</span>",
        ">Security tips<",
        "<span>Results</span>",
    ):
        assert english not in html
    assert ">English</button>" in chooser(html)


def test_the_account_menus_chooser_switches_a_signed_in_person_back_to_english(alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    client = sign_in(Client(), alice)

    response = client.post("/language", {"language": "en", "next": "/"})

    assert response["Location"] == "/"
    alice.refresh_from_db()
    assert alice.preferred_language == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and ">Sign out</button>" in html
    assert ">Español</button>" in chooser(html)


def test_kept_menus_are_kept_per_language(alice, charlie):
    charlie.preferred_language = "es"
    charlie.save(update_fields=["preferred_language"])
    english = sign_in(Client(), alice).get("/").content.decode()
    spanish = sign_in(Client(), charlie).get("/").content.decode()

    assert "<span>Results</span>" in english and "<span>Resultados</span>" not in english
    assert "<span>Resultados</span>" in spanish and "<span>Results</span>" not in spanish


def test_the_error_pages_speak_the_visitors_language(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")

    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="es">' in html
    assert "No se encontró la página" in html and "Page not found" not in html
