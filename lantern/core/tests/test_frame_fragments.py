"""The menus are drawn once per process for each kind of account and section, exactly as they
would be drawn each time; a proxy's menu, which leads into someone's record, is never kept."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lantern.core.templatetags import frame_fragments
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_fragments_kept():
    frame_fragments._fragments.clear()
    yield
    frame_fragments._fragments.clear()


def menus(html: str) -> str:
    """The main menu's HTML without the sign-out form's CSRF token, and without the language
    chooser, which is drawn for each page (it comes back to the page's own address)."""
    nav = re.search(r'<nav aria-label="Main menu".*?</nav>', html, flags=re.S).group(0)
    nav = re.sub(r"<form[^>]*data-language-chooser.*?</form>", "", nav, flags=re.S)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", nav)


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_a_kept_menu_is_the_menu_drawn_afresh(alice):
    client = sign_in(Client(), alice)
    path = f"/patients/{alice.patient.pk}/results/"
    first = menus(page(client, path))
    assert frame_fragments._fragments
    assert menus(page(client, path)) == first
    frame_fragments._fragments.clear()
    assert menus(page(client, path)) == first
    assert 'aria-current="page"><span>Results</span>' in first


def test_each_section_marks_its_own_menu_entry(alice):
    client = sign_in(Client(), alice)
    results = menus(page(client, f"/patients/{alice.patient.pk}/results/"))
    record = menus(page(client, f"/patients/{alice.patient.pk}/record/"))
    assert 'aria-current="page"><span>Results</span>' in results
    assert 'aria-current="page"><span>Health record</span>' in record
    assert 'aria-current="page"><span>Results</span>' not in record


def test_a_proxys_menu_is_never_kept_and_never_shown_to_the_patient(alice, bob):
    bobs = menus(page(sign_in(Client(), bob), f"/patients/{alice.patient.pk}/results/"))
    assert str(alice.patient.pk) in bobs
    assert not any(key[1] == "" for key in frame_fragments._fragments)
    assert not any(str(alice.patient.pk) in html for html in frame_fragments._fragments.values())
    alices = menus(page(sign_in(Client(), alice), f"/patients/{alice.patient.pk}/results/"))
    assert str(alice.patient.pk) not in alices
    assert "Family and caregivers" in alices and "Family and caregivers" not in bobs


def test_the_sign_out_form_carries_each_sessions_own_csrf_token(alice):
    path = f"/patients/{alice.patient.pk}/results/"
    page(sign_in(Client(), alice), path)  # Another session draws the menus first.
    client = sign_in(Client(enforce_csrf_checks=True), alice)
    html = page(client, path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert client.post("/signout/", {"csrfmiddlewaretoken": token}).status_code == 302


def test_each_staff_role_keeps_its_own_console_menu(nora, fiona):
    nurses = menus_of_console(page(sign_in(Client(), nora), "/staff/"))
    front_desks = menus_of_console(page(sign_in(Client(), fiona), "/staff/"))
    assert "Results on hold" in nurses and "Results on hold" not in front_desks
    assert menus_of_console(page(sign_in(Client(), nora), "/staff/")) == nurses


def menus_of_console(html: str) -> str:
    nav = re.search(r'<nav aria-label="Staff menu".*?</nav>', html, flags=re.S).group(0)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", nav)
