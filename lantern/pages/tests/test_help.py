"""The help centre: public, reachable from sign-in, every page's footer and the account menu,
and true to what the portal does (the clinic's settings, the words the results pages use)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from lantern.results import flags
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db

HELP_LINK = 'href="/help/"'


def test_the_help_centre_is_open_to_everyone(client):
    response = client.get("/help/")

    assert response.status_code == 200
    assert "<h1>Help</h1>" in response.content.decode()


def test_the_sign_in_page_links_to_help(client):
    assert HELP_LINK in client.get("/signin/").content.decode()


@pytest.mark.parametrize("address", ["/signin/", "/enroll/", "/privacy/", "/x-404/"])
def test_every_public_page_links_to_help_in_its_footer(client, address):
    footer = client.get(address).content.decode().split("<footer", 1)[1]

    assert HELP_LINK in footer


def test_the_account_menu_and_the_footer_link_to_help_for_a_patient(alice):
    html = sign_in(Client(), alice).get("/").content.decode()

    menu = html.split('id="account-menu"', 1)[1].split("</ul>", 1)[0]
    assert HELP_LINK in menu
    assert HELP_LINK in html.split("<footer", 1)[1]


def test_a_signed_in_patient_keeps_their_menu_on_the_help_centre(alice):
    html = sign_in(Client(), alice).get("/help/").content.decode()

    assert 'id="account-menu"' in html
    assert 'aria-current="page"' in html.split('id="account-menu"', 1)[1].split("</ul>", 1)[0]


def test_the_contents_list_leads_to_every_section(client):
    html = client.get("/help/").content.decode()

    contents = html.split('aria-labelledby="help-contents-heading"', 1)[1].split("</nav>", 1)[0]
    anchors = [part.split('"', 1)[0] for part in contents.split('href="#')[1:]]
    assert anchors == [
        "new-account",
        "forgotten",
        "second-step",
        "abroad",
        "family",
        "results",
        "messages",
        "app",
        "contact",
    ]
    for anchor in anchors:
        assert f'id="{anchor}"' in html


def test_the_answers_use_the_clinics_settings(client, settings):
    settings.CLINIC_NAME = "Riverside Family Clinic"
    settings.EMERGENCY_NUMBER = "999"
    settings.MESSAGE_REPLY_BUSINESS_DAYS = 2
    settings.PROXY_ADULT_AGE = 16
    settings.PROXY_INVITATION_DAYS = 7

    html = client.get("/help/").content.decode()

    assert "Riverside Family Clinic" in html
    assert "Call 999 or go to the nearest emergency room" in html
    assert "We answer messages within 2 business days" in html
    assert "Once you are 16 or older" in html
    assert "works once, for 7 days" in html


def test_the_result_words_are_the_ones_the_results_pages_show(client):
    html = client.get("/help/").content.decode()
    section = html.split('id="results"', 1)[1].split('id="messages"', 1)[0]

    for flag in [
        flags.NORMAL,
        flags.HIGH,
        flags.LOW,
        flags.CRITICAL,
        flags.ABNORMAL,
        flags.NO_RANGE,
        flags.NOT_FLAGGED,
    ]:
        assert f"<strong>{flag.word}</strong>" in section
    assert "<strong>See comment</strong>" in section
    assert "<strong>New</strong>" in section


def test_the_help_centre_links_to_the_pages_it_describes(client):
    html = client.get("/help/").content.decode()

    for address in ["/enroll/", "/signup/", "/signin/", "/help/contact/"]:
        assert f'href="{address}"' in html
        assert client.get(address).status_code == 200


def test_a_clinic_replaces_the_help_centre_with_its_own_template(client, settings, tmp_path):
    own = Path(tmp_path) / "pages" / "help.html"
    own.parent.mkdir()
    own.write_text(
        '{% extends "layouts/public.html" %}{% block content %}<h1>Our help</h1>{% endblock %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    assert "<h1>Our help</h1>" in client.get("/help/").content.decode()


def test_the_help_centre_reads_nothing_from_the_database_for_someone_not_signed_in(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        client.get("/help/")
