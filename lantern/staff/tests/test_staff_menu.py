"""The staff menu: the console's queues, the staff member's own account and security settings,
and the Django admin only for superusers (issue 10, point 12)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


def staff_menu_links(html: str) -> list[str]:
    menu = html.split('aria-label="Staff menu"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', menu)


def test_clinic_staff_who_are_not_superusers_see_no_admin_link(nora):
    assert nora.is_staff and not nora.is_superuser

    html = sign_in(Client(), nora).get("/staff/").content.decode()

    assert "/admin/" not in staff_menu_links(html)
    assert ">Admin<" not in html


def test_a_superuser_who_works_at_the_clinic_sees_the_admin_link(nora):
    nora.is_superuser = True
    nora.save(update_fields=["is_superuser"])

    html = sign_in(Client(), nora).get("/staff/").content.decode()

    assert "/admin/" in staff_menu_links(html)


def test_the_staff_menu_leads_to_their_own_account_and_security_settings(nora):
    client = sign_in(Client(), nora)

    links = staff_menu_links(client.get("/staff/").content.decode())

    assert "/account/" in links
    assert "/two-factor/" in links


@pytest.mark.parametrize("address", ["/account/", "/two-factor/", "/two-factor/setup/passkey/"])
def test_staff_account_pages_wear_the_console_frame_with_the_way_back(nora, address):
    response = sign_in(Client(), nora).get(address)

    html = response.content.decode()
    assert response.status_code == 200
    assert "lantern-staff-band" in html
    assert "/staff/" in staff_menu_links(html)
    assert 'aria-label="Main menu"' not in html


def test_the_menu_marks_the_account_page_as_the_current_one(nora):
    html = sign_in(Client(), nora).get("/account/").content.decode()

    menu = html.split('aria-label="Staff menu"', 1)[1].split("</nav>", 1)[0]
    current = re.findall(r'<a href="([^"]+)" class="usa-nav__link usa-current"', menu)
    assert current == ["/account/"]


def test_a_staff_only_account_page_offers_no_patient_notices_while_a_patients_does(nora, alice):
    staff_page = sign_in(Client(), nora).get("/account/").content.decode()
    patient_page = sign_in(Client(), alice).get("/account/").content.decode()

    assert "Notification settings" not in staff_page
    assert "message from your care team" not in staff_page
    assert "Units for weight and height" in staff_page
    assert "Notification settings" in patient_page
