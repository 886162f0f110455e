"""The notification settings page in a real browser at phone width (360 px)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from lantern.notifications.models import NotificationEvent
from lantern.notifications.preferences import ChannelChoice, preference_for
from lantern.testing.auth import sign_in

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_alice_turns_email_off_at_phone_width(page, live_server, alice):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    # The browser takes over a session signed in with both factors by the test client.
    session_cookie = sign_in(Client(), alice).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie, "url": live_server.url}]
    )

    page.goto("/account/notifications/")

    group = page.get_by_role("group", name="A new message from your care team")
    email = group.get_by_label("Email")
    text_message = group.get_by_label("Text message")
    assert email.is_checked()
    assert text_message.is_disabled()
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The label is the touch target: tapping the words changes the box.
    group.get_by_text("Email", exact=True).click()
    page.get_by_role("button", name="Save").click()

    page.get_by_text("Your notification settings were saved.").wait_for()
    assert page.url.endswith("/account/notifications/")
    assert (
        not page.get_by_role("group", name="A new message from your care team")
        .get_by_label("Email")
        .is_checked()
    )
    assert preference_for(alice, NotificationEvent.NEW_MESSAGE) == ChannelChoice(False, False)
