"""The idle time-out warning in Spanish, in Chromium: the countdown the script writes takes its
words from the page, so it speaks the page's language (issue 17, point 2)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lantern.testing.page_checks import signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]

HEADING = "¿Quiere seguir con la sesión iniciada?"


def test_the_time_out_warning_and_its_countdown_are_in_spanish(page, live_server, alice, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 90
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    signed_in_page(page, live_server, alice)
    page.clock.install()
    page.goto("/", timeout=90_000)

    page.clock.fast_forward("00:35")

    dialog = page.get_by_role("dialog", name=HEADING)
    expect(dialog.get_by_role("heading", name=HEADING)).to_be_visible()
    expect(dialog.get_by_role("button", name="Seguir con la sesión")).to_be_focused()
    expect(dialog.locator("[data-countdown]")).to_have_text(re.compile(r"^\d{1,2} segundos$"))
    expect(dialog).to_contain_text("Para proteger su información, cerraremos su sesión en")
