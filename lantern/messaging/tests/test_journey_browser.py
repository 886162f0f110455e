"""The secure-messages journey end to end, in Chromium at phone width with a real SMTP server:
the patient writes with a photo → the nurse opens it from the inbox and replies → the task
worker emails the patient a notice without content → the patient follows its link and reads
the reply."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from lantern.enrollment.testing import accept_current_terms
from lantern.messaging.models import Attachment, Conversation
from lantern.notifications.testing import run_worker_until_idle
from lantern.testing.browser import open_from_menu, sign_in_through_pages
from lantern.testing.factories_messaging import MessagePoolFactory
from lantern.testing.factories_mfa import TOTPDeviceFactory, current_totp_code

from .conftest import png_bytes

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SUBJECT = "Rash on my arm"
PATIENT_TEXT = "It appeared yesterday and itches at night."
REPLY_TEXT = "Please keep it dry and come to see us on Monday morning."
PHOTO = png_bytes((16, 16))
PHONE = {"width": 360, "height": 800}


def sign_in(page, username: str, device) -> None:
    sign_in_through_pages(page, username, PASSWORD, current_totp_code(device))


def plain_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_patient_writes_with_a_photo_nurse_replies_patient_is_emailed_and_reads_the_reply(
    page, browser, live_server, smtp_server, alice, nora, clinic
):
    MessagePoolFactory(organization=clinic, name="Nursing")
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    nora.first_name, nora.last_name = "Nora", "Nguyen"
    nora.save(update_fields=["first_name", "last_name"])
    for user in (alice, nora):
        accept_current_terms(user)
    alice_device = TOTPDeviceFactory(user=alice)
    nora_device = TOTPDeviceFactory(user=nora)

    # Alice, on her phone, writes to the nurses with a photo.
    sign_in(page, "alice", alice_device)
    page.get_by_role("heading", name="Welcome, Alice").wait_for()
    open_from_menu(page, "Main menu", "Messages")
    page.get_by_role("heading", name="Messages", level=1).wait_for()
    page.get_by_role("link", name="Write a new message").first.click()
    page.get_by_label("Who is this for?").select_option(label="Nursing")
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Message").fill(PATIENT_TEXT)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "rash.png", "mimeType": "image/png", "buffer": PHOTO}]
    )
    page.get_by_role("button", name="Send message").click()
    page.get_by_text("Your message was sent.").wait_for()
    assert page.get_by_role("heading", name=SUBJECT, level=1).is_visible()
    assert Attachment.objects.get().content_type == "image/png"

    # Nora, in the staff console on another phone, finds it waiting, unread, in the inbox.
    staff_context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-US")
    staff_context.set_default_timeout(15_000)
    staff = staff_context.new_page()
    sign_in(staff, "nora", nora_device)
    staff.get_by_role("heading", level=1).first.wait_for()
    open_from_menu(staff, "Staff menu", "Messages")
    staff.get_by_role("heading", name="Messages", level=1).wait_for()
    row = staff.get_by_role("row").filter(has_text=SUBJECT)
    assert row.get_by_text("Unread", exact=True).is_visible()
    assert row.get_by_role("cell").filter(has_text=re.compile(r"^Waiting")).is_visible()
    row.get_by_role("link", name=SUBJECT).click()
    staff.get_by_role("heading", name=SUBJECT, level=1).wait_for()
    assert staff.get_by_text(PATIENT_TEXT).is_visible()

    # The photo opens for her: the same bytes, served as an image.
    photo_link = staff.get_by_role("link", name="rash.png")
    download = staff.request.get(photo_link.get_attribute("href"))
    assert download.status == 200
    assert download.headers["content-type"] == "image/png"
    assert download.body() == PHOTO

    staff.get_by_label("Reply to the patient").fill(REPLY_TEXT)
    staff.get_by_role("button", name="Send reply").click()
    staff.get_by_text("Your reply was sent.").wait_for()
    staff_context.close()

    # The real task queue delivers the notice: one email, saying nothing about the message.
    assert smtp_server.messages == []
    run_worker_until_idle()
    (email,) = smtp_server.messages
    assert smtp_server.envelopes[0][1] == [alice.email]
    assert email["To"] == alice.email
    assert email["Subject"] == f"You have a new message from {settings.CLINIC_NAME}"
    body = plain_text(email)
    for private in (SUBJECT, PATIENT_TEXT, REPLY_TEXT, "Alice", "Adams", "rash.png"):
        assert private not in body
    link = re.search(re.escape(settings.PUBLIC_BASE_URL) + r"/\S*", body).group(0)
    path = urlsplit(link).path

    # Alice follows the link (on the test server) and finds the reply marked new.
    page.goto(path)
    page.get_by_role("heading", name="Messages", level=1).wait_for()
    conversation_row = page.get_by_test_id("conversation-row").filter(has_text=SUBJECT)
    assert conversation_row.get_by_text("New reply").is_visible()
    conversation_row.get_by_role("link", name=SUBJECT).click()
    page.get_by_role("heading", name=SUBJECT, level=1).wait_for()
    reply = page.get_by_test_id("message").filter(has_text=REPLY_TEXT)
    assert reply.get_by_role("heading", name="Nurse Nora Nguyen, Care team").is_visible()

    # Read now: the list no longer calls it new.
    page.get_by_role("link", name="Back to messages").click()
    page.get_by_role("heading", name="Messages", level=1).wait_for()
    conversation_row = page.get_by_test_id("conversation-row").filter(has_text=SUBJECT)
    assert conversation_row.get_by_text("Answered").is_visible()
    assert conversation_row.get_by_text("New reply").count() == 0
    assert not Conversation.objects.get().unread_by_patient

    # A second run of the worker sends nothing again.
    run_worker_until_idle()
    assert len(smtp_server.messages) == 1
