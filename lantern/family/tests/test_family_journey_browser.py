"""Family access end to end, in Chromium at phone width with a real SMTP server (issue 12, point
8): alice invites a caregiver → the invitation email arrives → the caregiver creates an account
from its link, sets up a second step and accepts → sees alice's results and switches back to
their own view → alice ends the access → the caregiver's next load of alice's results is "not
found", and alice's access log shows the caregiver's visits."""

from __future__ import annotations

import base64
import re
import time
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_otp.oath import TOTP

from lantern.access.models import ProxyRelationship, ProxyStatus
from lantern.enrollment.selectors import terms_current
from lantern.enrollment.testing import accept_current_terms
from lantern.testing.browser import sign_in_through_pages
from lantern.testing.factories import ObservationFactory
from lantern.testing.factories_enrollment import TermsVersionFactory
from lantern.testing.factories_mfa import TOTPDeviceFactory, current_totp_code

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
CAREGIVER_PASSWORD = "violet kettle harbour lantern"
PHONE = {"width": 360, "height": 800}
LINK = re.compile(r"https?://\S+/family/invitations/\S+/")


def authenticator_code(key: bytes, *, steps_ahead: int = 0) -> str:
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def open_account_menu(page, link: str) -> None:
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Your account").click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name=link).click()


def test_alice_invites_a_caregiver_who_helps_until_alice_ends_it(
    page, browser, live_server, smtp_server, alice
):
    # The terms of use come with a migration, but an earlier browser test in this process (they
    # end by emptying every table) may have removed them: creating an account needs a version.
    if terms_current() is None:
        TermsVersionFactory()
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    accept_current_terms(alice)
    device = TOTPDeviceFactory(user=alice)
    ObservationFactory(patient=alice.patient, display="Hemoglobin A1c", value_quantity=5.4)
    results = f"/patients/{alice.patient_id}/results/"

    # Alice, on her phone, invites her daughter Carol to see her record and results.
    sign_in_through_pages(page, "alice", PASSWORD, current_totp_code(device))
    page.get_by_role("heading", name="Welcome, Alice").wait_for()
    open_account_menu(page, "Family and caregivers")
    page.get_by_role("heading", name="Family and caregivers", level=1).wait_for()
    page.get_by_label("Their email address").fill("carol@example.org")
    page.get_by_label("Who they are to you").fill("My daughter")
    page.locator("label", has_text="Health record and test results").click()
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("We sent an invitation to carol@example.org.").wait_for()

    # The email arrives, naming no health data, with a single-use link.
    (email,) = smtp_server.messages
    assert smtp_server.envelopes[0][1] == ["carol@example.org"]
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert "Hemoglobin" not in body and "Adams" not in body
    link_path = urlsplit(LINK.search(body).group(0)).path

    # Carol, on her own phone, follows it, creates an account and sets up her authenticator app.
    carol_context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-US")
    carol_context.set_default_timeout(15_000)
    carol = carol_context.new_page()
    carol.goto(link_path)
    carol.get_by_role("heading", name="An invitation to help with someone's care").wait_for()
    carol.get_by_role("link", name="Create an account").click()
    carol.get_by_label("Username").fill("carol.cole")
    carol.get_by_label("Email address").fill("carol@example.org")
    carol.get_by_label("Password", exact=True).fill(CAREGIVER_PASSWORD)
    carol.get_by_label("Type the password again").fill(CAREGIVER_PASSWORD)
    carol.locator("label", has_text="I have read and accept the terms of use").click()
    carol.get_by_role("button", name="Create account").click()
    carol.get_by_role("link", name=re.compile("Set up authenticator app", re.I)).click()
    secret = carol.locator(".lantern-secret").inner_text().replace(" ", "").strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    carol.get_by_label("Code", exact=True).fill(authenticator_code(key))
    carol.get_by_role("button", name="Check the code").click()
    carol.get_by_role("heading", name="Save your backup codes").wait_for()
    carol.get_by_role("button", name="I have saved these codes").click()

    # Back at the invitation, she sees who invited her and what she may do, and accepts.
    carol.get_by_text("Alice Adams").first.wait_for()
    carol.get_by_role("button", name="Accept").click()
    carol.get_by_role("heading", name="You can now help Alice Adams with their care").wait_for()

    # Her home page lists Alice; she opens Alice's results; every page says whose record it is.
    carol.get_by_role("link", name="Go to your home page").click()
    people = carol.get_by_test_id("people")
    people.get_by_role("link", name="Results of Alice Adams").click()
    carol.get_by_test_id("record-banner").get_by_text("Alice Adams").wait_for()
    assert "Hemoglobin A1c" in carol.content()
    # Switching leads back to the list of people, her own view.
    carol.get_by_test_id("record-banner").get_by_role("link", name=re.compile("Switch")).click()
    carol.get_by_role("heading", name="Whose record", level=1).wait_for()
    assert carol.get_by_test_id("record-banner").get_by_text("Choose whose record").is_visible()

    # Alice ends Carol's access.
    open_account_menu(page, "Family and caregivers")
    page.get_by_role("button", name=re.compile("End access")).click()
    page.get_by_role("button", name="Yes, end access").click()
    page.get_by_text("can no longer see your record").wait_for()
    assert ProxyRelationship.objects.get().status == ProxyStatus.REVOKED

    # Carol's very next load of Alice's results, in her open session, finds nothing.
    response = carol.goto(results)
    assert response.status == 404
    assert "Hemoglobin A1c" not in carol.content()
    carol_context.close()

    # Alice's access log names Carol's visits as someone she gave access to.
    page.goto(f"/patients/{alice.patient_id}/access-log/")
    page.get_by_role("heading", level=1).wait_for()
    assert "carol.cole (someone you gave access to)" in page.content()
