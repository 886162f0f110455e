"""Text at 200% (issue 17, point 4; WCAG 1.4.4 and 1.4.10): every page each persona of
lantern/testing/sweep.py reaches (the pages the accessibility sweep opens, so its coverage test
holds here too), opened in Chromium as a 1280 x 800 screen zoomed to 200% shows it (a 640 px
wide layout drawn at twice the scale), scrolls no page sideways and clips no text. Each test
prints the pages it visited.

"Clipped" is an element with text whose own box hides part of its content (overflow hidden or
clip, or a text ellipsis, with content wider or taller than the box); text meant only for screen
readers is left out.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from lantern.testing.crawl import lantern_pages
from lantern.testing.page_checks import TOO_WIDE
from lantern.testing.sweep import PERSONAS, clinic_site, listing

pytestmark = [pytest.mark.django_db(transaction=True)]

# 1280 x 800 at 200%: the page lays out in 640 x 400 CSS pixels, drawn twice as large.
ZOOMED = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}

CLIPPED_TEXT = """
() => [...document.querySelectorAll('body *')]
  .filter((el) => el instanceof HTMLElement && el.checkVisibility({ visibilityProperty: true }))
  .filter((el) => !el.closest('.usa-sr-only, [hidden]') && el.innerText.trim())
  .filter((el) => {
    const style = getComputedStyle(el);
    const hides = (value) => value === 'hidden' || value === 'clip';
    const wide = el.scrollWidth > el.clientWidth + 1 && (hides(style.overflowX)
      || style.textOverflow === 'ellipsis');
    const tall = el.scrollHeight > el.clientHeight + 1 && hides(style.overflowY);
    return wide || tall;
  })
  .slice(0, 5)
  .map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'))
"""


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_reads_at_200_percent(browser, live_server, clinic, alice, nora, persona):
    site = clinic_site(clinic, alice, nora)
    client = site.client(persona)
    result = site.crawl(persona, client)
    pages = lantern_pages(result)
    assert pages, "the crawl found no page"
    print(listing(persona, result))
    context = browser.new_context(base_url=live_server.url, locale="en-US", **ZOOMED)
    context.set_default_timeout(15_000)
    if settings.SESSION_COOKIE_NAME in client.cookies:
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
    page = context.new_page()
    problems = {}
    for address in pages:
        page.goto(address)
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        clipped = page.evaluate(CLIPPED_TEXT)
        if sideways > 0 or clipped:
            too_wide = page.evaluate(TOO_WIDE)
            problems[address] = {"sideways": sideways, "clipped": clipped, "too_wide": too_wide}
    context.close()
    assert problems == {}
