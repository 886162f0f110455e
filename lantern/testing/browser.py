"""Browser journeys: Playwright driving the machine's Chromium against the live test server.

Chromium comes from the operating system (Debian's `chromium` package, installed by .ci/run);
Playwright's own browser download is not used. Tests using these fixtures are marked `browser`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# Any test asking for one of these (directly or through another fixture) drives Chromium.
BROWSER_FIXTURES = frozenset({"browser", "page"})


# First, so the marks are in place before `-m` deselects.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every browser journey `browser`, so `-m "not browser"` (`make test-fast`) skips them."""
    for item in items:
        if BROWSER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium is not installed: run .ci/run or apt-get install chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser tab at phone width (360 px), so journeys prove the small-screen layout."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 800}, locale="en-US"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in_through_pages(page, username: str, password: str, code: str) -> None:
    """Sign in as a person does: username and password, then the second step's code."""
    page.goto("/signin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Continue").click()


def open_from_menu(page, menu: str, link: str) -> None:
    """At 360 px the navigation is behind the "Menu" button, as on a phone."""
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name=menu).get_by_role("link", name=link, exact=True).click()
