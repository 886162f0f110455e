"""The phone menu of the patient and the staff layouts keeps the keyboard inside while it is open
and gives focus back to "Menu" when Escape closes it; every piece of a staff page lies inside a
landmark, so someone moving by landmarks misses nothing (axe's "region" rule)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lantern.testing.page_checks import signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]

# The elements a keyboard can reach inside the open menu, in order: rendered, not disabled, and
# not taken out of the tab order.
MENU_TAB_STOPS = """
() => [...document.querySelectorAll(
    '.usa-nav a[href], .usa-nav button, .usa-nav input, .usa-nav select, .usa-nav textarea')]
  .filter((el) => !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0)
  .map((el) => el.innerText.trim() || el.getAttribute('aria-label') || el.querySelector('img')?.alt)
"""

# Rendered text, images and controls that no landmark contains. The skip link is left out, as
# axe leaves it out: it has to come before every landmark.
OUTSIDE_LANDMARKS = """
() => {
  const landmarks = 'header, nav, main, footer, aside, section[aria-label],'
    + ' section[aria-labelledby], [role=banner], [role=navigation], [role=main],'
    + ' [role=contentinfo], [role=complementary],'
    + ' [role=region][aria-label], [role=region][aria-labelledby], [role=dialog], [role=search]';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const outside = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent.checkVisibility({ visibilityProperty: true })) continue;
    if (parent.closest('script, style, .usa-skipnav') || parent.closest(landmarks)) continue;
    outside.push(node.textContent.trim().slice(0, 80));
  }
  for (const el of document.querySelectorAll('img, input, button, select, textarea')) {
    if (el.type === 'hidden' || !el.checkVisibility({ visibilityProperty: true })) continue;
    if (!el.closest(landmarks)) outside.push(el.outerHTML.slice(0, 80));
  }
  return outside;
}
"""


def open_menu(page):
    page.get_by_role("button", name="Menu").click()
    close = page.get_by_role("button", name="Close menu")
    expect(close).to_be_focused()
    return close


def assert_menu_keeps_focus(page, last_name: str) -> None:
    close = open_menu(page)
    stops = page.evaluate(MENU_TAB_STOPS)
    assert stops[0] == "Close menu"
    assert stops[-1] == last_name
    last = page.get_by_role("navigation").get_by_role("button", name=last_name)

    page.keyboard.press("Shift+Tab")
    expect(last).to_be_focused()
    page.keyboard.press("Tab")
    expect(close).to_be_focused()

    # Walking forward through every item comes back round to the close button.
    for _ in stops:
        page.keyboard.press("Tab")
    expect(close).to_be_focused()


def assert_escape_closes_menu(page) -> None:
    open_menu(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")

    expect(page.locator(".usa-nav")).not_to_have_class("usa-nav is-visible")
    expect(page.get_by_role("button", name="Close menu")).to_be_hidden()
    expect(page.get_by_role("button", name="Menu")).to_be_focused()


def test_the_patient_menu_on_a_phone_keeps_focus_inside_with_tab_and_shift_tab(
    page, live_server, alice
):
    signed_in_page(page, live_server, alice).goto("/")

    assert_menu_keeps_focus(page, "Your account")


def test_the_patient_menu_keeps_focus_inside_with_the_account_menu_open(page, live_server, alice):
    signed_in_page(page, live_server, alice).goto("/")
    close = open_menu(page)
    page.get_by_role("button", name="Your account").click()
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()

    sign_out.focus()
    page.keyboard.press("Tab")
    expect(close).to_be_focused()
    # Leaving the account menu folds it up again (USWDS), so the last item is "Your account" again.
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Your account")).to_be_focused()


def test_escape_closes_the_patient_menu_and_gives_focus_back_to_menu(page, live_server, alice):
    signed_in_page(page, live_server, alice).goto("/")

    assert_escape_closes_menu(page)


def test_the_staff_menu_on_a_phone_keeps_focus_inside_with_tab_and_shift_tab(
    page, live_server, nora
):
    signed_in_page(page, live_server, nora).goto("/staff/")

    assert_menu_keeps_focus(page, "Sign out")


def test_escape_closes_the_staff_menu_and_gives_focus_back_to_menu(page, live_server, nora):
    signed_in_page(page, live_server, nora).goto("/staff/")

    assert_escape_closes_menu(page)


@pytest.mark.parametrize("width", [360, 1280])
def test_nothing_on_a_staff_page_lies_outside_a_landmark(page, live_server, nora, width):
    signed_in_page(page, live_server, nora)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/staff/")

    band = page.get_by_text("not the patient portal")
    expect(band).to_be_visible()
    assert page.evaluate(OUTSIDE_LANDMARKS) == []
    # The band belongs to the page's banner, with the console's name and menu.
    assert band.evaluate("el => el.closest('header') !== null")
