"""What a nurse sees when she starts a conversation with a patient, in Chromium at phone width:
from the patient's page in the console to the form, sent once even when double-clicked, into
the inbox; then the patient finds it in her messages, from the care team."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lantern.enrollment.selectors import terms_current
from lantern.enrollment.services import terms_publish
from lantern.enrollment.testing import accept_current_terms
from lantern.messaging.models import AuthorRole, Conversation, Message
from lantern.notifications.models import Notification
from lantern.testing.browser import open_from_menu, sign_in_through_pages
from lantern.testing.factories_messaging import MessagePoolFactory
from lantern.testing.factories_mfa import TOTPDeviceFactory, current_totp_code

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SUBJECT = "Your blood test"
BODY = "Your cholesterol came back a little high. Could you call us this week?"
PHONE = {"width": 360, "height": 800}


def sign_in(page, username: str, device) -> None:
    sign_in_through_pages(page, username, PASSWORD, current_totp_code(device))


def test_a_nurse_writes_to_a_patient_from_the_console_and_the_patient_reads_it(
    page, browser, live_server, alice, nora, clinic
):
    MessagePoolFactory(organization=clinic, name="Nursing")
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    nora.first_name, nora.last_name = "Nora", "Nguyen"
    nora.save(update_fields=["first_name", "last_name"])
    # The terms come with a data migration that an earlier browser test's flush may remove.
    if terms_current() is None:
        terms_publish(version="2026-11", body="Terms of use.")
    # Only Alice accepts them: clinic staff are not asked to.
    accept_current_terms(alice)
    nora_device = TOTPDeviceFactory(user=nora)
    alice_device = TOTPDeviceFactory(user=alice)

    # Nora finds Alice in the console and opens her page.
    sign_in(page, "nora", nora_device)
    page.get_by_role("heading", level=1).first.wait_for()
    open_from_menu(page, "Staff menu", "Patients")
    page.get_by_role("heading", name="Find a patient", level=1).wait_for()
    page.get_by_label("Name or MRN").fill("Adams")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Alice Adams").click()
    page.get_by_role("heading", name="Alice Adams", level=1).wait_for()

    # The form says who reads it and how; the only queue is chosen already.
    page.get_by_role("link", name="Write to Alice Adams").click()
    page.get_by_role("heading", name="Write to Alice Adams", level=1).wait_for()
    assert page.get_by_text("as from the care team at").is_visible()
    assert page.get_by_label("Answers go to").input_value().startswith("pool:")
    assert page.get_by_label("Answers go to").locator("option:checked").inner_text() == "Nursing"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Sending with nothing written says what to fix, and sends nothing.
    page.get_by_role("button", name="Send to the patient").click()
    page.get_by_text("There is a problem").first.wait_for()
    assert Conversation.objects.count() == 0

    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Message to the patient").fill(BODY)
    page.get_by_role("button", name="Send to the patient").dblclick()

    # One conversation, in the inbox, with her message as the care team's.
    page.get_by_text("Your message was sent. We let the patient know").wait_for()
    page.get_by_role("heading", name=SUBJECT, level=1).wait_for()
    assert page.get_by_text(BODY).is_visible()
    assert page.get_by_text("Nora Nguyen (care team)").is_visible()
    assert Conversation.objects.count() == 1
    assert Message.objects.get().author_role == AuthorRole.STAFF
    assert Notification.objects.count() == 1
    # Nothing waits on the clinic's side, so it is listed under "All", not "Waiting".
    page.goto("/staff/messages/?state=all")
    page.get_by_role("heading", name="Messages", level=1).wait_for()
    assert page.get_by_role("link", name=SUBJECT).is_visible()

    # Alice finds it in her messages, new, from the care team.
    patient_context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    patient_context.set_default_timeout(15_000)
    patient = patient_context.new_page()
    sign_in(patient, "alice", alice_device)
    patient.get_by_role("heading", name="Welcome, Alice").wait_for()
    open_from_menu(patient, "Main menu", "Messages")
    patient.get_by_role("heading", name="Messages", level=1).wait_for()
    row = patient.get_by_test_id("conversation-row").filter(has_text=SUBJECT)
    assert row.get_by_text("New message").is_visible()
    row.get_by_role("link", name=SUBJECT).click()
    # Wait for the conversation's own page before reading it (is_visible does not wait).
    patient.get_by_role("heading", name=SUBJECT, level=1).wait_for()
    message = patient.get_by_test_id("message").filter(has_text=BODY)
    assert message.get_by_role("heading", name="Nurse Nora Nguyen, Care team").is_visible()
    patient_context.close()
