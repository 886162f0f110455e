"""Every secure-messaging and account page in a real browser at 360 x 740: it loads, has one
heading, does not scroll sideways, and every visible form control has an accessible label. The
compose form also works with the keyboard alone."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from lantern.messaging.models import (
    Attachment,
    AuthorRole,
    Conversation,
    ConversationStatus,
    Message,
)
from lantern.testing.factories_messaging import (
    ConversationFactory,
    MessageFactory,
    MessagePoolFactory,
)
from lantern.testing.page_checks import page_problems, signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]

LONG_SUBJECT = "Questions about my blood pressure readings since the new medication was started"
LONG_FILENAME = "blood-pressure-diary-january-to-march-morning-and-evening-readings.pdf"


def conversations_for(alice, clinic) -> Conversation:
    """Open, answered and closed conversations; returns a long thread with an attachment."""
    nursing = MessagePoolFactory(organization=clinic, name="Nursing")
    MessagePoolFactory(organization=clinic, name="Billing questions")
    start = timezone.now() - dt.timedelta(days=3)
    thread = ConversationFactory(
        patient=alice.patient, created_by=alice, pool=nursing, subject=LONG_SUBJECT
    )
    for index in range(4):
        from_staff = index % 2 == 1
        message = MessageFactory(
            conversation=thread,
            author=alice,
            author_role=AuthorRole.STAFF if from_staff else AuthorRole.PATIENT,
            body=f"Message {index}: " + "my readings were 150/95 in the morning. " * 4,
            created_at=start + dt.timedelta(hours=index),
        )
    Attachment.objects.create(
        message=message,
        filename=LONG_FILENAME,
        content_type="application/pdf",
        size=20480,
        sha256="0" * 64,
        storage_name=uuid.uuid4().hex,
    )
    for index in range(3):
        other = ConversationFactory(
            patient=alice.patient,
            created_by=alice,
            pool=nursing,
            subject=f"Refill question {index}",
            last_message_role=AuthorRole.STAFF if index else AuthorRole.PATIENT,
            status=ConversationStatus.CLOSED if index == 2 else ConversationStatus.OPEN,
        )
        MessageFactory(conversation=other, author=alice)
    return thread


def test_every_messaging_and_account_page_reads_at_360_px(page, live_server, alice, clinic):
    thread = conversations_for(alice, clinic)
    base = f"/patients/{alice.patient_id}/messages"
    signed_in_page(page, live_server, alice)

    problems = page_problems(
        page,
        [
            "/messages/",
            f"{base}/",
            f"{base}/new/",
            f"{base}/{thread.pk}/",
            "/account/",
            "/account/notifications/",
        ],
    )

    assert problems == {}
    # The thread held what was meant to be checked: four messages and the attachment.
    page.goto(f"{base}/{thread.pk}/")
    assert page.get_by_text("my readings were 150/95", exact=False).count() == 4
    assert page.get_by_role("link", name=LONG_FILENAME).count() == 1


def tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_message_can_be_written_and_sent_with_the_keyboard_alone(
    page, live_server, alice, clinic
):
    MessagePoolFactory(organization=clinic, name="Nursing")
    signed_in_page(page, live_server, alice)
    page.goto(f"/patients/{alice.patient_id}/messages/new/")

    tab_to(page, "select[name=recipient]")
    page.keyboard.type("Nursing")
    tab_to(page, "input[name=subject]")
    page.keyboard.type("Dizzy in the mornings")
    tab_to(page, "textarea[name=body]")
    page.keyboard.type("Since Monday I feel dizzy when I stand up.")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    page.get_by_role("heading", name="Dizzy in the mornings").wait_for()
    conversation = Conversation.objects.get(patient=alice.patient)
    assert conversation.subject == "Dizzy in the mornings"
    assert conversation.pool.name == "Nursing"
    assert Message.objects.get(conversation=conversation).body == (
        "Since Monday I feel dizzy when I stand up."
    )
