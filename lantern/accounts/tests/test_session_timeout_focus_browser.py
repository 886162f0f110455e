"""The idle time-out warning in Chromium, with the keyboard: Tab and Shift+Tab stay inside it,
"Stay signed in" gives focus back to where it was, and Escape means "Stay signed in" rather than
closing the warning silently.

The idle limit is set short here (the `settings` fixture reaches the live server, which runs in
this process), and the page's clock is moved on past the moment the warning opens (a minute
before the end), so no test waits for it and the server's real limit is still far off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lantern.testing.page_checks import signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
HEADING = "Do you want to stay signed in?"


@pytest.fixture
def short_idle_limit(settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 90
    return settings.SESSION_IDLE_TIMEOUT_SECONDS


def open_warning(page):
    """Moves the page's clock to 55 seconds before the end, where the warning opens."""
    page.clock.fast_forward("00:35")
    dialog = page.get_by_role("dialog", name=HEADING)
    expect(heading(dialog)).to_be_visible()
    return dialog


def heading(dialog):
    # The dialog's wrapper has no box of its own (its overlay is fixed), so its heading tells.
    return dialog.get_by_role("heading", name=HEADING)


def warned_page(page, live_server, user):
    """Alice's home page, wide, with the keyboard on "Messages" when the warning opens."""
    signed_in_page(page, live_server, user)
    page.clock.install()
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    messages = page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Messages")
    messages.focus()
    return open_warning(page), messages


def test_tab_and_shift_tab_stay_inside_the_time_out_warning(
    page, live_server, alice, short_idle_limit
):
    dialog, _ = warned_page(page, live_server, alice)
    stay = dialog.get_by_role("button", name="Stay signed in")
    sign_out = dialog.get_by_role("button", name="Sign out")
    expect(stay).to_be_focused()

    page.keyboard.press("Tab")
    expect(sign_out).to_be_focused()
    page.keyboard.press("Tab")
    expect(stay).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(sign_out).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(stay).to_be_focused()
    expect(heading(dialog)).to_be_visible()


def test_stay_signed_in_gives_focus_back_to_where_it_was(
    page, live_server, alice, short_idle_limit
):
    dialog, messages = warned_page(page, live_server, alice)

    with page.expect_response("**/account/session/keep-alive/") as kept:
        page.keyboard.press("Enter")

    assert kept.value.ok
    assert kept.value.json()["seconds_left"] > 80
    expect(heading(dialog)).to_be_hidden()
    expect(messages).to_be_focused()


def test_escape_stays_signed_in_closes_the_warning_and_gives_focus_back(
    page, live_server, alice, short_idle_limit
):
    dialog, messages = warned_page(page, live_server, alice)

    with page.expect_response("**/account/session/keep-alive/") as kept:
        page.keyboard.press("Escape")

    assert kept.value.ok
    assert kept.value.json()["seconds_left"] > 80
    expect(heading(dialog)).to_be_hidden()
    expect(messages).to_be_focused()
    # Still signed in: the next page is Alice's, not the sign-in page.
    page.goto("/messages/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in")
    assert "/signin/" not in page.url


def test_the_time_out_warning_over_the_open_phone_menu_is_read_and_gives_focus_back(
    page, live_server, alice, short_idle_limit
):
    """The open menu hides the rest of the page from screen readers; not the warning."""
    signed_in_page(page, live_server, alice)
    page.clock.install()
    page.goto("/")
    page.get_by_role("button", name="Menu").click()
    dialog = open_warning(page)
    stay = dialog.get_by_role("button", name="Stay signed in")

    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Sign out")).to_be_focused()
    page.keyboard.press("Tab")
    expect(stay).to_be_focused()
    with page.expect_response("**/account/session/keep-alive/"):
        page.keyboard.press("Escape")
    expect(heading(dialog)).to_be_hidden()
    expect(page.get_by_role("button", name="Close menu")).to_be_focused()
