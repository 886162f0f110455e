""" "Show password" in Chromium: a toggle button whose name stays "Show password" and whose pressed
state is true exactly when the password is on screen, by mouse and by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lantern.testing.page_checks import signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_show_password_on_sign_in_says_whether_the_password_is_shown(page):
    page.goto("/signin/")
    password = page.get_by_label("Password", exact=True)
    password.fill("correct horse battery staple")
    toggle = page.get_by_role("button", name="Show password", exact=True)

    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(password).to_have_attribute("type", "password")

    toggle.click()
    expect(page.get_by_role("button", name="Show password", pressed=True)).to_be_visible()
    expect(toggle).to_have_text("Show password")
    expect(password).to_have_attribute("type", "text")
    expect(password).to_have_value("correct horse battery staple")

    toggle.click()
    expect(page.get_by_role("button", name="Show password", pressed=False)).to_be_visible()
    expect(toggle).to_have_text("Show password")
    expect(password).to_have_attribute("type", "password")


def test_show_password_works_from_the_keyboard_with_space_and_enter(page):
    page.goto("/signin/")
    password = page.get_by_label("Password", exact=True)
    toggle = page.get_by_role("button", name="Show password", exact=True)
    toggle.focus()

    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(password).to_have_attribute("type", "text")

    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(password).to_have_attribute("type", "password")


def test_show_password_on_change_password_shows_the_new_password(page, live_server, alice):
    signed_in_page(page, live_server, alice).goto("/account/password/")
    toggle = page.get_by_role("button", name="Show password", exact=True)
    field = page.locator(f"#{toggle.get_attribute('aria-controls')}")

    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text("Show password")
    expect(field).to_have_attribute("type", "text")
