"""Checks a page must pass at phone width, for the browser tests (Playwright, Chromium).

`page_problems(page, paths)` opens each path and reports, per page, what is wrong: not 200, not
exactly one <h1>, sideways scrolling (with the elements that are too wide), unlabelled form
controls, links and buttons without a name, touch targets under 44 px, and scrollable table
regions that a keyboard cannot reach or a screen reader cannot name.
"""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from .auth import sign_in

PHONE = {"width": 360, "height": 740}

# Visible inputs, selects and text areas whose accessible name is empty (a <label for>, a
# wrapping label, aria-label or aria-labelledby is what a screen reader would read).
UNLABELLED_CONTROLS = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => el.type !== 'hidden' && el.offsetParent !== null)
  .filter((el) => {
    const byFor = el.id && document.querySelector(`label[for="${el.id}"]`);
    const wrapped = el.closest('label');
    const aria = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    return !(byFor || wrapped || aria);
  })
  .map((el) => el.outerHTML)
"""

# A scrollable table region must be reachable by keyboard and named for screen readers.
UNNAMED_SCROLL_REGIONS = """
() => [...document.querySelectorAll('.usa-table-container--scrollable')]
  .filter((el) => el.getAttribute('tabindex') !== '0' || !el.getAttribute('aria-label'))
  .map((el) => el.outerHTML.slice(0, 120))
"""

# Visible links and buttons with no accessible name: no rendered text, no aria-label, no image
# with alternative text (a control whose only text is hidden at small widths has no name).
NAMELESS_LINKS_AND_BUTTONS = """
() => [...document.querySelectorAll('a[href], button')]
  .filter((el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true }))
  .filter((el) => {
    const text = el.innerText.trim();
    const aria = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    const image = [...el.querySelectorAll('img')].some((img) => img.alt.trim());
    return !(text || aria || image);
  })
  .map((el) => el.outerHTML.slice(0, 160))
"""

# Buttons and fields in the page's main content smaller than a 44 px touch target (DESIGN.md).
# Link-style buttons inside text, and USWDS checkboxes and radios (whose label is the target),
# are left out.
SMALL_TOUCH_TARGETS = """
() => [...document.querySelectorAll(
    'main button, main .usa-button, main .usa-input, main .usa-select, main input[type=search]')]
  .filter((el) => el.checkVisibility({ visibilityProperty: true }))
  .filter((el) => !el.classList.contains('usa-button--unstyled'))
  .filter((el) => el.getBoundingClientRect().height < 44)
  .map((el) => el.outerHTML.slice(0, 120))
"""

# Elements wider than the viewport, named so a failure says what to fix.
TOO_WIDE = """
() => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter((el) => !el.closest('.usa-table-container--scrollable, .usa-sr-only'))
  .slice(0, 5)
  .map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'))
"""


def signed_in_page(page, live_server, user):
    page.set_viewport_size(PHONE)
    cookie = sign_in(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return page


def page_found(page, response) -> dict:
    return {
        "status": response.status if response else None,
        "h1": page.locator("h1").count(),
        "sideways": page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
        "unlabelled": page.evaluate(UNLABELLED_CONTROLS),
        "nameless": page.evaluate(NAMELESS_LINKS_AND_BUTTONS),
        "small": page.evaluate(SMALL_TOUCH_TARGETS),
        "unnamed_regions": page.evaluate(UNNAMED_SCROLL_REGIONS),
    }


def is_fine(found: dict) -> bool:
    return (
        found["status"] == 200
        and found["h1"] == 1
        and found["sideways"] <= 0
        and not found["unlabelled"]
        and not found["nameless"]
        and not found["small"]
        and not found["unnamed_regions"]
    )


def page_problems(page, paths: list[str]) -> dict[str, dict]:
    """Open each path and keep what is wrong with it (an empty dict when every page is fine)."""
    problems: dict[str, dict] = {}
    for path in paths:
        found = page_found(page, page.goto(path))
        if not is_fine(found):
            found["too_wide"] = page.evaluate(TOO_WIDE)
            problems[path] = found
    return problems
