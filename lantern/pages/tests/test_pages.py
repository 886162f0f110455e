"""The accessibility statement, the privacy notice, the sign-up links and the error pages' frame."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db

CREATE_ACCOUNT = '<a class="usa-link" href="/enroll/">Create your account</a>'
ASK_FOR_ACCOUNT = '<a class="usa-link" href="/signup/">Ask for an account</a>'


@pytest.mark.parametrize("address", ["/signin/", "/security-tips/", "/accessibility/", "/x-404/"])
def test_public_pages_show_create_your_account_and_ask_for_an_account(client, address):
    html = client.get(address).content.decode()

    assert CREATE_ACCOUNT in html
    assert ASK_FOR_ACCOUNT in html
    assert client.get("/enroll/").status_code == 200
    assert client.get("/signup/").status_code == 200


def test_the_sign_in_page_says_which_link_is_for_whom(client):
    html = client.get("/signin/").content.decode()

    assert "New to the portal?" in html
    assert "if the clinic gave you an activation code" in html
    assert "if you do not have a code" in html


@pytest.mark.parametrize(
    ("address", "heading"),
    [("/accessibility/", "Accessibility statement"), ("/privacy/", "Privacy notice")],
)
def test_the_statement_and_the_notice_name_the_clinic(client, settings, address, heading):
    settings.CLINIC_NAME = "Riverside Family Clinic"

    response = client.get(address)

    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()
    assert "Riverside Family Clinic" in response.content.decode()


def test_a_clinic_replaces_the_privacy_notice_with_its_own_template(client, settings, tmp_path):
    own = Path(tmp_path) / "pages" / "privacy.html"
    own.parent.mkdir()
    own.write_text(
        '{% extends "layouts/public.html" %}{% block content %}<h1>Ours</h1>{% endblock %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    assert "<h1>Ours</h1>" in client.get("/privacy/").content.decode()


def test_a_signed_in_patient_keeps_the_patient_menu_on_a_missing_page(alice):
    response = sign_in(Client(), alice).get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'aria-label="Main menu"' in html
    assert "Create your account" not in html


def test_staff_keep_the_console_menu_on_a_missing_console_page(nora):
    html = sign_in(Client(), nora).get("/staff/no-such-page/").content.decode()

    assert "Page not found" in html
    assert 'aria-label="Staff menu"' in html


def test_a_signed_in_patient_keeps_the_patient_menu_on_the_privacy_notice(alice):
    html = sign_in(Client(), alice).get("/privacy/").content.decode()

    assert 'aria-label="Main menu"' in html
