"""A patient's whole visit with the keyboard alone (issue 17, point 4), in Chromium at 1280 px:
sign in with two factors → open a result and its trend → send a message → book an appointment
→ request a refill → sign out. Nothing is clicked: every step is Tab (or Shift+Tab) to a named
control, then typing, Space or Enter, so a control that cannot be reached or used from the
keyboard fails the journey and names the control it could not find. It prints the pages it
went through (route name and address), in order.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from lantern.appointments.models import Appointment
from lantern.appointments.tests.conftest import checkup_make, clinician_make, location_make
from lantern.enrollment.testing import accept_current_terms
from lantern.home.tests.builders import make_report
from lantern.messaging.models import Conversation
from lantern.refills.models import RefillRequest
from lantern.refills.tests.factories import PharmacyFactory, medication
from lantern.testing.crawl import route_of
from lantern.testing.factories_messaging import MessagePoolFactory
from lantern.testing.factories_mfa import TOTPDeviceFactory, current_totp_code

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 800}
MEDICINE = "Lisinopril 10 MG Oral Tablet"
PHARMACY = "Main Street Pharmacy"
SUBJECT = "Question about my blood sugar"
MOST_TABS = 120

# What a screen reader would call the focused control: its label, its own name or its text.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {name: '', testid: ''};
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  const name = el.getAttribute('aria-label') || label || el.innerText || el.value || '';
  return {name: name.replace(/\\s+/g, ' ').trim(), testid: el.dataset.testid || ''};
}"""


def tab_to(page, name: str = "", *, testid: str = "", exact: bool = False) -> None:
    """Press Tab until the focused control has this name (or test id); fail naming what was met."""
    met = []
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        found = focused["name"] == name if exact else name.lower() in focused["name"].lower()
        if (testid and focused["testid"] == testid) or (not testid and found):
            return
        met.append(focused["name"][:40])
    raise AssertionError(f"Tab never reached {name or testid!r}; it met: {met}")


def follow(page, name: str = "", *, testid: str = "", exact: bool = False) -> None:
    tab_to(page, name, testid=testid, exact=exact)
    page.keyboard.press("Enter")


def heading(page, name: str) -> None:
    page.get_by_role("heading", name=name, level=1).wait_for()


@pytest.fixture
def clinic_ready(clinic, alice):
    location = location_make(clinic)
    checkup_make(clinic)
    clinician_make(clinic, "dr-dee", location)
    MessagePoolFactory(organization=clinic, name="Nursing")
    PharmacyFactory(organization=clinic, name=PHARMACY)
    medication(alice.patient, display=MEDICINE, refills_allowed=2)
    make_report(alice.patient, display="Blood sugar", days_ago=40)
    make_report(alice.patient, display="Blood sugar", days_ago=2)
    accept_current_terms(alice)


def test_a_patient_signs_in_reads_writes_books_asks_for_a_refill_and_signs_out_by_keyboard(
    browser, live_server, alice, clinic_ready
):
    device = TOTPDeviceFactory(user=alice)
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Every page the journey lands on, in order, printed at the end.
    visited: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: visited.append(frame.url) if frame == page.main_frame else None,
    )

    # Sign in: username, password, Enter; then the authenticator's code, Enter.
    page.goto("/signin/")
    tab_to(page, "Username")
    page.keyboard.type("alice")
    tab_to(page, "Password", exact=True)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_label("Code", exact=True).wait_for()
    tab_to(page, "Code", exact=True)
    page.keyboard.type(current_totp_code(device))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Welcome, Alice").wait_for()

    # A result, then its trend.
    follow(page, "Results", exact=True)
    heading(page, "Your test results")
    follow(page, "Blood sugar")
    page.get_by_role("link", name="See the trend over time").first.wait_for()
    follow(page, "See the trend over time")
    page.get_by_role("heading", name=re.compile("over time"), level=1).wait_for()

    # A message to the nurses.
    follow(page, "Messages", exact=True)
    page.get_by_role("link", name="Write a new message").first.wait_for()
    follow(page, "Write a new message")
    page.get_by_label("Subject").wait_for()
    tab_to(page, "Who is this for?")
    page.keyboard.type("Nursing")
    tab_to(page, "Subject")
    page.keyboard.type(SUBJECT)
    tab_to(page, "Message", exact=True)
    page.keyboard.type("Should I change anything before my next test?")
    follow(page, "Send message")
    page.get_by_text("Your message was sent.").wait_for()

    # A visit: the kind, then the first open time, then booking it.
    follow(page, "Appointments", exact=True)
    page.get_by_role("link", name="Book an appointment").first.wait_for()
    follow(page, "Book an appointment")
    page.get_by_role("link", name="Check-up").wait_for()
    follow(page, "Check-up")
    page.get_by_test_id("open-time").first.wait_for()
    follow(page, testid="open-time")
    page.get_by_role("button", name="Book this visit").wait_for()
    follow(page, "Book this visit")
    page.get_by_text(re.compile("booked", re.I)).first.wait_for()

    # A refill: the medicine (Space), the pharmacy, then sending it.
    follow(page, "Medications", exact=True)
    heading(page, "Medications")
    follow(page, testid="request-refill")
    heading(page, "Request a refill")
    tab_to(page, MEDICINE)
    page.keyboard.press("Space")
    tab_to(page, "Pharmacy to collect from")
    page.keyboard.type(PHARMACY)
    follow(page, "Continue", exact=True)
    heading(page, "Check your request")
    follow(page, "Send request")
    page.get_by_text("Your request was sent to the clinic.").wait_for()

    # Sign out from the account menu.
    follow(page, "Your account")
    follow(page, "Sign out", exact=True)
    page.get_by_role("heading", name=re.compile("signed out", re.I)).wait_for()
    context.close()
    print(f"# the keyboard journey: {len(visited)} pages")
    for url in visited:
        address = urlsplit(url)
        print(f"{route_of(address.path)}\t{address.path}")

    # Each step did what it said, once.
    assert Conversation.objects.get(patient=alice.patient).subject == SUBJECT
    assert Appointment.objects.filter(patient=alice.patient).count() == 1
    assert RefillRequest.objects.get(requested_by=alice).medication.display == MEDICINE
