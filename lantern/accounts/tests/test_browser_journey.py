"""The whole front door in a real browser (Chromium at phone width, driven by Playwright):
staff issue a code → the patient enrolls → sets up an authenticator app → signs out → signs in
with password and authenticator code → sees the home page → signs out."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.enrollment.selectors import terms_current
from lantern.enrollment.testing import accept_current_terms
from lantern.testing.browser import sign_in_through_pages
from lantern.testing.factories import PatientFactory
from lantern.testing.factories_enrollment import TermsVersionFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "correct horse battery staple"
PATIENT_PASSWORD = "a long walk by the quiet river"


def authenticator_code(key: bytes, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows now (or `steps_ahead` 30-second steps from now)."""
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in(page, username: str, password: str, code: str) -> None:
    sign_in_through_pages(page, username, password, code)


def test_staff_issue_a_code_and_the_patient_enrolls_and_signs_in_with_two_factors(
    browser, live_server, nora, clinic
):
    # The terms come with a data migration, and an earlier browser test's flush (these tests
    # run in transactions that end by emptying every table) may have removed them: enrolling
    # needs a published version to accept.
    if terms_current() is None:
        TermsVersionFactory()
    accept_current_terms(nora)
    staff_key = TOTPDevice.objects.create(user=nora, name="Phone", confirmed=True).bin_key
    PatientFactory(
        given_names="Dana", family_name="Diaz", birth_date=dt.date(1984, 7, 9),
        managing_organization=clinic,
    )  # fmt: skip

    # The nurse signs in to the staff console and issues an activation code.
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 800})
    page = staff.new_page()
    sign_in(page, "nora", STAFF_PASSWORD, authenticator_code(staff_key))
    page.goto("/staff/patients/?q=Diaz")
    page.get_by_role("link", name="Dana Diaz").click()
    page.get_by_role("button", name="Issue activation code").click()
    code = page.locator("#activation-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    staff.close()

    # The patient enrolls on their phone.
    patient = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 800})
    page = patient.new_page()
    page.goto("/enroll/")
    page.get_by_label("Activation code").fill(code)
    page.get_by_label("Month").select_option("7")
    page.get_by_label("Day").fill("9")
    page.get_by_label("Year").fill("1984")
    page.get_by_label("Last name").fill("Diaz")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Username").fill("dana.diaz")
    page.get_by_label("Email address").fill("dana@example.org")
    page.get_by_label("Password", exact=True).fill(PATIENT_PASSWORD)
    page.get_by_label("Type the password again").fill(PATIENT_PASSWORD)
    # USWDS draws its own checkbox over the real one: a person clicks the label.
    page.locator("label", has_text="I have read and accept the terms of use").click()
    page.get_by_role("button", name="Create account").click()

    # Two-step verification: the authenticator app, by the key shown as text.
    page.get_by_role("link", name=re.compile("Set up authenticator app", re.I)).click()
    secret = page.locator(".lantern-secret").inner_text().replace(" ", "").strip()
    patient_key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code", exact=True).fill(authenticator_code(patient_key))
    page.get_by_role("button", name="Check the code").click()
    page.get_by_role("heading", name="Save your backup codes").wait_for()
    page.get_by_role("button", name="I have saved these codes").click()
    page.get_by_role("heading", name="Welcome, Dana").wait_for()
    sign_out(page)

    # Back again: password, then the next code from the app.
    sign_in(page, "dana.diaz", PATIENT_PASSWORD, authenticator_code(patient_key, steps_ahead=1))
    page.get_by_role("heading", name="Welcome, Dana").wait_for()
    assert page.get_by_test_id("previous-sign-in").is_visible()
    sign_out(page)
    patient.close()


def sign_out(page) -> None:
    """Through the menu, as on a phone: Menu → Your account → Sign out."""
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Your account").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name=re.compile("signed out", re.I)).wait_for()
