"""No serious or critical accessibility violation on any Lantern page, for anyone, at any width.

For each kind of person (someone not signed in, a patient with something in every part of her
record, a nurse, a clinic's administrator) the crawl of lantern/testing/crawl.py collects every
page they can reach by following links, plus the not-found page in their frame. Each page is
opened in Chromium at 1280 px and at 360 px wide, axe-core (vendored in
lantern/testing/vendor/axe-core/) is run on it, and the test fails listing every serious or
critical violation: the rule, the page, the element and what axe says to fix. The states a person
opens are checked too: the phone menu open at 360 px (and the account menu in it), the account
menu open at 1280 px, and a form sent empty, with its errors shown.
Django's own admin is left out: nothing a clinic does every day needs it.

Two more checks measure what axe does not: text contrast of the staff console's hint text and
timestamps on its grey page, and 44 x 44 px touch targets on the patient's pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from lantern.clinical.models import Observation
from lantern.messaging.models import Conversation
from lantern.testing.auth import sign_in
from lantern.testing.crawl import clinic_administrator_of, crawl, give_a_full_record, lantern_pages
from lantern.testing.factories_enrollment import EnrollmentRequestFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

AXE_SOURCE = (
    Path(__file__).resolve().parents[2] / "testing" / "vendor" / "axe-core" / "axe.min.js"
).read_text()

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
WIDTHS = {"1280px": DESKTOP, "360px": PHONE}
NOT_FOUND = "/this-page-does-not-exist/"

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
    """A browser context at the given width, signed in as `user` when one is given."""
    contexts = []

    def open_one(viewport: dict, user=None):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-US")
        context.set_default_timeout(15_000)
        contexts.append(context)
        if user is not None:
            cookie = sign_in(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
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


def violations_for(
    open_context, user, starts: list[str], must_check: list[str], forms: list[str] = ()
):
    """Every serious or critical violation on every page `user` (None: nobody) can reach, with
    its menus open and the forms at `forms` sent empty."""
    client = sign_in(Client(), user) if user is not None else Client()
    result = crawl(client, starts)
    for address in [*must_check, *forms]:
        assert address in result.visited, f"the crawl did not reach {address}"
    pages = [*lantern_pages(result), NOT_FOUND]
    found: list[Violation] = []
    for width, viewport in WIDTHS.items():
        page = open_context(viewport, user)
        for address in pages:
            page.goto(address)
            found += axe_violations(page, address, width)
        for address in forms:
            found += form_with_errors(page, address, width)
        page.goto(starts[0])
        found += opened_states(page, width)
    return found


def assert_none(found: list[Violation]) -> None:
    assert found == [], f"{len(found)} serious or critical violations:\n" + "\n".join(
        str(violation) for violation in found
    )


def test_no_serious_accessibility_violation_for_someone_not_signed_in(open_context, alice, nora):
    # nora works at the clinic, so "Contact support" shows its form.
    found = violations_for(
        open_context,
        None,
        ["/signin/", "/"],
        [
            "/signin/",
            "/enroll/",
            "/signup/",
            "/accessibility/",
            "/privacy/",
            "/help/",
            "/help/contact/",
        ],
        forms=["/signin/", "/enroll/", "/help/contact/"],
    )
    assert_none(found)


def test_no_serious_accessibility_violation_for_a_patient(open_context, alice):
    give_a_full_record(alice)
    found = violations_for(
        open_context,
        alice,
        ["/"],
        ["/", "/results/", "/messages/", "/medications/", "/record/", "/accessibility/"],
        forms=[f"/patients/{alice.patient.pk}/messages/new/"],
    )
    assert_none(found)


def test_no_serious_accessibility_violation_for_staff(open_context, nora, alice, clinic):
    give_a_full_record(alice)
    EnrollmentRequestFactory(organization=clinic)
    found = violations_for(
        open_context,
        nora,
        ["/staff/"],
        ["/staff/", "/staff/patients/", "/accessibility/", "/staff/support/"],
        forms=[f"/staff/patients/{alice.patient.pk}/conversations/new/"],
    )
    assert_none(found)


def test_no_serious_accessibility_violation_for_a_clinic_administrator(
    open_context, nora, alice, clinic
):
    administrator = clinic_administrator_of(clinic)
    give_a_full_record(alice)
    EnrollmentRequestFactory(organization=clinic)
    found = violations_for(
        open_context, administrator, ["/staff/"], ["/staff/", "/staff/patients/"]
    )
    assert_none(found)


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
