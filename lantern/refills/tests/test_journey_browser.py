"""The refill journey in Chromium at phone width with a real SMTP server (issue 14, point 6):
the patient asks for a refill → the nurse approves it in the console's queue → exactly one email
reaches the patient, naming no medicine → the patient sees "Approved" with the time. A denied
request shows its reason; a controlled medicine says why and what to do. Every refill page reads
at 360 px (one heading, no sideways scroll, every control named)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from lantern.enrollment.testing import accept_current_terms
from lantern.notifications.testing import run_worker_until_idle
from lantern.refills import services
from lantern.refills.models import RefillRequest, RefillStatus
from lantern.testing.browser import open_from_menu, sign_in_through_pages
from lantern.testing.factories_mfa import TOTPDeviceFactory, current_totp_code
from lantern.testing.page_checks import page_problems, signed_in_page

from .factories import ControlledMedicineFactory, medication, request_refill, staff_access

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
PHONE = {"width": 360, "height": 800}
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
MEDICINE = "Lisinopril 10 MG Oral Tablet"


def sign_in(page, username: str, device) -> None:
    sign_in_through_pages(page, username, PASSWORD, current_totp_code(device))


def test_patient_asks_nurse_approves_patient_is_emailed_once_and_sees_approved(
    page, browser, live_server, smtp_server, alice, nora, clinic, pharmacy
):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    for user in (alice, nora):
        accept_current_terms(user)
    alice_device = TOTPDeviceFactory(user=alice)
    nora_device = TOTPDeviceFactory(user=nora)
    medication(alice.patient, display=MEDICINE, refills_allowed=2)

    # Alice, on her phone, asks for a refill from the Medications page.
    sign_in(page, "alice", alice_device)
    page.get_by_role("heading", name="Welcome, Alice").wait_for()
    open_from_menu(page, "Main menu", "Medications")
    page.get_by_role("heading", name="Medications", level=1).wait_for()
    page.get_by_test_id("request-refill").click()
    page.get_by_role("heading", name="Request a refill", level=1).wait_for()
    page.locator("label", has_text=MEDICINE).click()
    page.get_by_label("Pharmacy to collect from").select_option(value=str(pharmacy.pk))
    page.get_by_label("Anything the clinic should know (optional)").fill("Going away soon")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your request", level=1).wait_for()
    page.get_by_role("button", name="Send request").click()
    page.get_by_text("Your request was sent to the clinic.").wait_for()
    assert page.get_by_test_id("refill-requests").get_by_text("Waiting for the clinic").is_visible()

    # Nora finds it in the console's refill queue and approves it.
    staff_context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-US")
    staff_context.set_default_timeout(15_000)
    staff = staff_context.new_page()
    sign_in(staff, "nora", nora_device)
    staff.get_by_role("heading", level=1).first.wait_for()
    open_from_menu(staff, "Staff menu", "Refills")
    staff.get_by_role("heading", name="Refill requests", level=1).wait_for()
    row = staff.get_by_role("row").filter(has_text="Alice Adams")
    assert row.get_by_text("Going away soon").is_visible()
    row.get_by_role("link", name=MEDICINE).click()
    staff.get_by_role("button", name="Approve", exact=True).wait_for()
    staff.get_by_role("button", name="Approve", exact=True).click()
    staff.get_by_text("Approved. The patient has been told").wait_for()
    staff_context.close()

    # One email, saying nothing about the medicine.
    run_worker_until_idle()
    (email,) = smtp_server.messages
    assert email["To"] == alice.email
    body = email.get_body(preferencelist=("plain",)).get_content()
    for private in ("Lisinopril", "Alice", "Adams", pharmacy.name):
        assert private not in body and private not in email["Subject"]
    assert f"{settings.PUBLIC_BASE_URL}/medications/" in body
    run_worker_until_idle()
    assert len(smtp_server.messages) == 1

    # Alice sees "Approved" with the time on the request's page.
    page.goto("/medications/")
    page.get_by_role("heading", name="Medications", level=1).wait_for()
    requests = page.get_by_test_id("refill-requests")
    requests.get_by_text("Approved").wait_for()
    requests.get_by_role("link", name=MEDICINE).click()
    page.get_by_role("heading", name=f"Refill request: {MEDICINE}").wait_for()
    refill = RefillRequest.objects.get()
    assert refill.status == RefillStatus.APPROVED
    history = page.get_by_test_id("refill-history")
    assert history.get_by_text("Approved").is_visible()
    assert "by the clinic" in history.inner_text()
    assert page.get_by_text("The clinic approved this request on").is_visible()


def test_a_denied_request_shows_its_reason_and_a_controlled_medicine_what_to_do(
    page, live_server, alice, nora, clinic, pharmacy
):
    clinic.phone = "555-0199"
    clinic.save(update_fields=["phone"])
    ControlledMedicineFactory(organization=clinic, code="1049621")
    medication(
        alice.patient, display="Oxycodone 5 MG Oral Tablet", code="1049621", code_system=RXNORM
    )
    denied = request_refill(alice, medication(alice.patient, display="Metformin"), pharmacy)
    services.refill_deny(
        access=staff_access(nora, alice.patient),
        refill=denied,
        reason="Please book a medication review first.",
    )
    signed_in_page(page, live_server, alice)

    page.goto(f"/patients/{alice.patient_id}/record/medications/")
    page.get_by_role("heading", name="Medications", level=1).wait_for()
    oxycodone = page.get_by_role("row").filter(has_text="Oxycodone")
    assert oxycodone.get_by_text("controlled medicine").is_visible()
    assert oxycodone.get_by_text("Call the clinic on 555-0199").is_visible()
    assert oxycodone.get_by_role("link", name="Request a refill").count() == 0

    page.get_by_test_id("refill-requests").get_by_role("link", name="Metformin").click()
    page.get_by_test_id("refill-reason").wait_for()
    assert page.get_by_text("Please book a medication review first.").is_visible()
    assert page.get_by_text("Not approved").first.is_visible()


def test_every_refill_page_reads_at_phone_width(page, live_server, alice, nora, pharmacy):
    long_name = "Hydrochlorothiazide 12.5 MG / Lisinopril 20 MG Oral Tablet, extended supply"
    refill = request_refill(
        alice, medication(alice.patient, display=long_name), pharmacy, comment="x" * 300
    )
    medication(alice.patient, display="Metformin 500 MG", refills_allowed=0)
    signed_in_page(page, live_server, alice)
    patient_pages = [
        f"/patients/{alice.patient_id}/record/medications/",
        f"/patients/{alice.patient_id}/medications/refill/",
        f"/patients/{alice.patient_id}/medications/refills/{refill.pk}/",
    ]
    assert page_problems(page, patient_pages) == {}

    page.context.clear_cookies()
    signed_in_page(page, live_server, nora)
    assert page_problems(page, ["/staff/refills/", f"/staff/refills/{refill.pk}/"]) == {}
