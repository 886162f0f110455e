"""No serious or critical accessibility violation on any Lantern page, for anyone, at any width
(issue 17, point 4).

For each of the six personas of lantern/testing/sweep.py (someone not signed in, a patient with
something in every part of her record, her son acting for her, a nurse, a clinician and the
clinic's administrator) its crawl collects the pages they reach by following links, each route at
most `PER_ROUTE` times, plus the not-found page in their frame. One test per persona and width
(so xdist spreads them) opens each page in Chromium at 1280 or 360 px, runs axe-core (vendored
in lantern/testing/vendor/axe-core/) on it, and fails listing every serious or critical
violation: the rule, the page, the element and what axe says to fix. The states a person opens
are checked too: the phone menu open at 360 px (and the account menu in it), the account menu
open at 1280 px, forms sent empty with their errors shown, and the second step of signing in.
Django's own admin is left out: nothing a clinic does every day needs it.

Each test prints the pages it visited (route name and address) and writes them to
.pytest_cache/d/accessibility/<persona>-<width>.txt. The coverage test fails when a route holding
a patient's data is reached by no persona and is not in `NOT_PAGES` (POST-only actions,
downloads, JSON, redirects), each listed there with its reason.

Two more checks measure what axe does not: text contrast of the staff console's hint text and
timestamps on its grey page, and 44 x 44 px touch targets on the patient's pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from lantern.clinical.models import Observation
from lantern.messaging.models import Conversation
from lantern.testing.auth import sign_in
from lantern.testing.crawl import crawl, give_a_full_record, lantern_pages, route_of
from lantern.testing.sweep import (
    NOT_PAGES,
    PERSONAS,
    Site,
    all_routes,
    clinic_site,
    listing,
    pages_by_route,
    patient_data_routes,
    unswept_routes,
)

pytestmark = [pytest.mark.django_db(transaction=True)]

AXE_SOURCE = (
    Path(__file__).resolve().parents[2] / "testing" / "vendor" / "axe-core" / "axe.min.js"
).read_text()

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
WIDTHS = {"1280px": DESKTOP, "360px": PHONE}
NOT_FOUND = "/this-page-does-not-exist/"
PASSWORD = "correct horse battery staple"
SECOND_STEP = "mfa:verify"

# Every rule axe runs by default; only what it rates serious or critical fails the test. Each
# element is one line: the rule, what it found and what axe says to fix.
RUN_AXE = """
async () => {
  const results = await axe.run(document, { resultTypes: ['violations'] });
  return results.violations.flatMap((rule) => rule.nodes
    .filter((node) => ['serious', 'critical'].includes(node.impact || rule.impact))
    .map((node) => ({
      rule: rule.id,
      impact: node.impact || rule.impact,
      target: node.target.join(' '),
      summary: (node.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300),
    })));
}
"""


@dataclass(frozen=True)
class Violation:
    rule: str
    width: str
    page: str
    target: str
    summary: str

    def __str__(self) -> str:
        return f"{self.rule} at {self.width} on {self.page}: {self.target} — {self.summary}"


def axe_violations(page, where: str, width: str) -> list[Violation]:
    # Injected through the DevTools protocol, which the page's Content-Security-Policy (no inline
    # script) does not block; the policy stays on, so the page looks as it does for people.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    return [
        Violation(found["rule"], width, where, found["target"], found["summary"])
        for found in page.evaluate(RUN_AXE)
    ]


@pytest.fixture
def open_context(browser, live_server) -> Iterator[Callable]:
    """A browser context at the given width, signed in as `user` when one is given, or sharing
    the session of `client`."""
    contexts = []

    def open_one(viewport: dict, user=None, client: Client | None = None):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-US")
        context.set_default_timeout(15_000)
        contexts.append(context)
        if user is not None and client is None:
            client = sign_in(Client(), user)
        if client is not None and settings.SESSION_COOKIE_NAME in client.cookies:
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


def opened_states(page, width: str) -> list[Violation]:
    """The menus a person opens on the page on screen, each checked while it is open."""
    found: list[Violation] = []
    menu_button = page.locator(".usa-menu-btn")
    account_button = page.locator("button[aria-controls='account-menu']")
    if width == "360px" and menu_button.is_visible():
        menu_button.click()
        page.locator(".usa-nav.is-visible").wait_for()
        found += axe_violations(page, f"{page.url} (phone menu open)", width)
        if account_button.is_visible():
            account_button.click()
            page.locator("#account-menu").wait_for()
            found += axe_violations(page, f"{page.url} (phone menu and account menu open)", width)
    elif width == "1280px" and account_button.is_visible():
        account_button.click()
        page.locator("#account-menu").wait_for()
        found += axe_violations(page, f"{page.url} (account menu open)", width)
    return found


def form_with_errors(page, address: str, width: str) -> list[Violation]:
    """The page's form sent empty, checked with its error summary and field errors shown."""
    page.goto(address)
    form = page.locator("main form:has(button[type=submit])").last
    # The server's messages are the ones to check, not the browser's own bubbles.
    form.evaluate("(form) => { form.noValidate = true; }")
    with page.expect_navigation():
        form.locator("button[type=submit]").last.click()
    page.locator("#error-summary").wait_for()
    return axe_violations(page, f"{address} (sent empty, with errors)", width)


# The forms each persona sends empty (by route: the first address of it the crawl met), to check
# the page with its errors shown; cheap ones that change nothing when refused.
FORMS_SENT_EMPTY: dict[str, list[str]] = {
    "anonymous": [
        "accounts:sign_in",
        "enrollment:start",
        "support:contact",
        "accounts:forgot_password",
    ],
    "patient": ["messaging:new"],
    "proxy": ["messaging:new"],
    "nurse": ["staff:conversation_start"],
    "clinician": ["staff:conversation_start"],
    "admin": ["staff:schedule:location_add"],
}


@pytest.fixture
def site(clinic, alice, nora) -> Site:
    return clinic_site(clinic, alice, nora)


def write_listing(request, name: str, text: str) -> Path:
    """The list of pages visited, under .pytest_cache/d/accessibility/ (CI keeps it)."""
    path = Path(request.config.cache.mkdir("accessibility")) / f"{name}.txt"
    path.write_text(text)
    return path


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_no_serious_accessibility_violation_on_any_page(
    request, open_context, site, persona, width
):
    """axe-core on every page the persona reaches (each route at most PER_ROUTE times), the
    not-found page, the forms of FORMS_SENT_EMPTY with their errors and the menus open."""
    client = site.client(persona)
    result = site.crawl(persona, client)
    assert result.broken == [], "\n".join(result.broken)
    pages = [*lantern_pages(result), NOT_FOUND]
    visited = listing(persona, result)
    print(visited)
    write_listing(request, f"{persona}-{width}", visited)
    routes = pages_by_route(result)
    for route in FORMS_SENT_EMPTY[persona]:
        assert route in routes, f"the crawl did not reach a page of {route}"
    forms = [routes[route][0] for route in FORMS_SENT_EMPTY[persona]]

    # The browser shares the crawl's session: the same person, in the same state.
    page = open_context(WIDTHS[width], client=client)
    found: list[Violation] = []
    for address in pages:
        page.goto(address)
        found += axe_violations(page, address, width)
    for address in forms:
        found += form_with_errors(page, address, width)
    page.goto(site.starts[persona][0])
    found += opened_states(page, width)
    if persona == "anonymous":
        found += second_step_of_signing_in(page, site.users["patient"].username, width)
    assert_none(found)


def second_step_of_signing_in(page, username: str, width: str) -> list[Violation]:
    """The password given, the page asking for the second step (a route no link reaches)."""
    page.goto("/signin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert route_of(urlsplit(page.url).path) == SECOND_STEP, page.url
    return axe_violations(page, f"{page.url} (second step of signing in)", width)


def assert_none(found: list[Violation]) -> None:
    assert found == [], f"{len(found)} serious or critical violations:\n" + "\n".join(
        str(violation) for violation in found
    )


def test_every_patient_data_page_is_swept_for_someone(request, site):
    """Every route of the patient-facing apps, and every route naming a patient, is reached by
    some persona's crawl (the very crawl the sweep opens in Chromium) or is in NOT_PAGES with
    its reason. A new page nobody reaches by following links fails here: link it, give the
    personas the data that shows it, or say in NOT_PAGES why it is not a page."""
    reached: dict[str, set[str]] = {}
    for persona in PERSONAS:
        for route in pages_by_route(site.crawl(persona)):
            reached.setdefault(route, set()).add(persona)
    # Opened by the anonymous sweep after sending the sign-in form (second_step_of_signing_in).
    reached.setdefault(SECOND_STEP, set()).add("anonymous")
    write_listing(
        request,
        "routes",
        "".join(f"{route}\t{' '.join(sorted(who))}\n" for route, who in sorted(reached.items())),
    )
    routes = patient_data_routes()
    unreached = unswept_routes(set(reached))
    assert unreached == [], "No persona reaches these patient-data pages:\n" + "\n".join(
        f"  {route} ({routes[route]})" for route in unreached
    )
    assert sorted(set(NOT_PAGES) - set(routes)) == [], "NOT_PAGES names routes that are gone"
    answered_a_page = sorted(set(NOT_PAGES) & set(reached))
    assert answered_a_page == [], f"In NOT_PAGES, yet a persona reached a page: {answered_a_page}"


def _a_new_page(request, patient_id):
    return HttpResponse("<!doctype html><title>New</title>")


# The site's routes and one more, as someone adding a page to a patient's record would.
urlpatterns = [
    path("patients/<uuid:patient_id>/new-page/", _a_new_page, name="a_new_page"),
    *site_urlpatterns,
]


def test_a_new_patient_page_no_persona_reaches_is_reported(settings):
    # Guards the coverage test: everything reached but the new page leaves the new page.
    everything = {route.name for route in all_routes()}
    assert {"results:detail", "staff:schedule:patient", "accounts:settings"} <= set(
        patient_data_routes()
    )
    assert "hl7v2:queue" not in patient_data_routes()
    assert unswept_routes(everything) == []
    settings.ROOT_URLCONF = __name__
    assert unswept_routes(everything) == ["a_new_page"]


# The secondary grey text of the staff console: hint text, timestamps, usernames.
HINTS_AND_TIMESTAMPS = "main .usa-hint, main time, main .text-base"

# axe's contrast rule on those elements alone: how many it checked and which fail.
CONTRAST_OF = """
async (selector) => {
  const elements = [...document.querySelectorAll(selector)];
  if (!elements.length) return { found: 0, checked: 0, failing: [] };
  const results = await axe.run(elements, { runOnly: ['color-contrast'] });
  const rule = (list) => list.flatMap((r) => r.nodes);
  return {
    found: elements.length,
    checked: rule(results.passes).length + rule(results.violations).length,
    failing: rule(results.violations).map((node) => node.target.join(' ') + ': ' + node.any
      .map((check) => check.message).join(' ')),
  };
}
"""


def test_staff_console_hint_text_and_timestamps_have_enough_contrast_on_its_grey_page(
    open_context, nora, alice
):
    give_a_full_record(alice)
    patient = alice.patient
    # A lab value with a long LOINC name, shown under its short one.
    value = Observation.objects.get(patient=patient, code="4548-4")
    conversation = Conversation.objects.get(patient=patient)
    pages = [
        # "Search by name or medical record number" under the search box.
        "/staff/patients/",
        # The reply form's hints and each message's time.
        f"/staff/messages/{conversation.pk}/",
        # The new-conversation form's hints.
        f"/staff/patients/{patient.pk}/conversations/new/",
        # The patient's conversation in the console's frame: each message's time.
        f"/patients/{patient.pk}/messages/{conversation.pk}/",
        # A result's long name under its short one.
        f"/patients/{patient.pk}/results/observations/{value.pk}/",
    ]
    for width, viewport in WIDTHS.items():
        page = open_context(viewport, nora)
        for address in pages:
            page.goto(address)
            assert page.locator("body.lantern-staff").count() == 1
            if not page.evaluate("typeof window.axe !== 'undefined'"):
                page.evaluate(AXE_SOURCE)
            contrast = page.evaluate(CONTRAST_OF, HINTS_AND_TIMESTAMPS)
            assert contrast["found"] >= 1, f"no hint text or timestamp on {address}"
            # An element whose text is all in a child (a time inside a grey line) is checked
            # through the child.
            assert contrast["checked"] >= 1, (address, width, contrast)
            assert contrast["failing"] == [], (address, width, contrast["failing"])


# What a person taps on a phone, other than links inside a sentence: every button, "Show
# password", the labels of checkboxes and radios, links in card footers, tables and the footer,
# the clinic's name, and links that stand alone in a paragraph or list item.
TAP_TARGETS = ", ".join(
    [
        "main button:not(.usa-button--unstyled)",
        "main .usa-button",
        ".usa-show-password",
        ".usa-checkbox__label",
        ".usa-radio__label",
        ".usa-card__footer > .usa-link",
        ".usa-identifier__required-link",
        ".usa-logo__text > a",
        "main p > .usa-link:only-child",
        "main div > .usa-link:only-child",
        "main li > .usa-link:only-child",
        ".lantern-page > .usa-link",
        ".usa-table a",
    ]
)

SMALL_TAP_TARGETS = """
(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true }))
  .map((el) => ({ box: el.getBoundingClientRect(), html: el.outerHTML.slice(0, 100) }))
  .filter(({ box }) => box.width < 43.5 || box.height < 43.5)
  .map(({ box, html }) => `${Math.round(box.width)} x ${Math.round(box.height)} px: ${html}`)
"""


def test_what_a_patient_taps_on_a_phone_is_at_least_44_by_44_px(open_context, alice):
    give_a_full_record(alice)
    pages = lantern_pages(crawl(sign_in(Client(), alice), ["/"]))
    # Pages with each kind of target: the footer and the name on every page, card footers on
    # the record, checkboxes on the access log, radios on the account page, "Show password"
    # when confirming the password, tables of results, and links alone in a paragraph.
    patient = alice.patient
    for needed in [
        f"/patients/{patient.pk}/record/",
        f"/patients/{patient.pk}/access-log/",
        "/account/",
        "/account/confirm-password/?next=%2Faccount%2Femail%2F",
        f"/patients/{patient.pk}/results/",
    ]:
        assert needed in pages, f"the crawl did not reach {needed}"
    page = open_context(PHONE, alice)
    small: dict[str, list[str]] = {}
    for address in pages:
        page.goto(address)
        if found := page.evaluate(SMALL_TAP_TARGETS, TAP_TARGETS):
            small[address] = found
    assert small == {}, "\n".join(
        f"{address}: {target}" for address, targets in small.items() for target in targets
    )
