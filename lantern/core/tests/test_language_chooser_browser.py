"""A visitor on a phone switches the portal to Spanish from the sign-in page's header, with the
keyboard, without any script's help, and the page comes back in Spanish (issue 17)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_a_visitor_switches_the_sign_in_page_to_spanish_with_the_keyboard(page):
    page.goto("/signin/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    chooser = page.get_by_role("form", name="Language")
    spanish = chooser.get_by_role("button", name="Español", exact=True)
    expect(spanish).to_have_attribute("lang", "es")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert spanish.bounding_box()["height"] >= 44

    spanish.focus()
    page.keyboard.press("Enter")

    page.wait_for_url("**/signin/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Ir al contenido principal")).to_be_attached()
    expect(page.get_by_role("link", name="Crear su cuenta", exact=True).first).to_be_visible()
    english = page.get_by_role("form", name="Idioma").get_by_role("button", name="English")
    expect(english).to_have_attribute("lang", "en")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # The choice is kept (a cookie) for the next page, whatever the browser's own language.
    page.goto("/help/contact/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pedir ayuda")
