"""Secure messages in a real browser at phone width: write with a file, read, reply, close."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from lantern.messaging.models import Attachment, Conversation, ConversationStatus, Message
from lantern.testing.auth import sign_in
from lantern.testing.factories_messaging import MessagePoolFactory

from .conftest import png_bytes

pytestmark = [pytest.mark.django_db(transaction=True)]

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


def check_page(page) -> dict:
    return {
        "h1": page.locator("h1").count(),
        "sideways": page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
        "unlabelled": page.evaluate(UNLABELLED_CONTROLS),
    }


def test_a_patient_writes_with_a_photo_then_closes_the_conversation(
    page, live_server, alice, clinic, tmp_path
):
    MessagePoolFactory(organization=clinic, name="Nursing")
    photo = tmp_path / "rash.png"
    photo.write_bytes(png_bytes())
    cookie = sign_in(Client(), alice).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    ok = {"h1": 1, "sideways": 0, "unlabelled": []}

    page.goto("/messages/")
    assert check_page(page) == ok
    page.get_by_role("link", name="Write a new message").first.click()
    page.get_by_label("Who is this for?").wait_for()
    assert check_page(page) == ok
    assert page.get_by_text("If this is an emergency, call 911").is_visible()
    page.get_by_label("Who is this for?").select_option(label="Nursing")
    page.get_by_label("Subject").fill("Rash on my arm")
    page.get_by_label("Message").fill("It appeared yesterday. Photo attached.")
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name="Send message").click()

    page.get_by_text("Your message was sent.").wait_for()
    assert check_page(page) == ok
    assert page.get_by_role("heading", name="Rash on my arm", level=1).is_visible()
    assert page.get_by_role("link", name="rash.png").is_visible()
    assert Message.objects.count() == 1
    assert Attachment.objects.get().content_type == "image/png"

    page.get_by_role("button", name="Close this conversation").click()
    page.get_by_text("You closed this conversation").wait_for()
    assert Conversation.objects.get().status == ConversationStatus.CLOSED
