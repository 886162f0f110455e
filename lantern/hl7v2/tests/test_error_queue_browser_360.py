"""The Interface errors pages at 360 x 740 in a real browser: one heading, no sideways scroll,
every control named, 44 px touch targets, and no serious axe violation (text contrast of 4.5:1
included); then the match and replay journey by clicking."""

from __future__ import annotations

import pytest

from lantern.core.tests.test_accessibility_browser import axe_violations
from lantern.hl7v2.models import InboundMessage, MessageStatus
from lantern.hl7v2.services import message_receive
from lantern.testing.browser import open_from_menu
from lantern.testing.page_checks import page_problems, signed_in_page

from .messages import oru, unsupported

pytestmark = [pytest.mark.django_db(transaction=True)]
CLINIC = "Riverside Family Clinic"


def waiting_messages() -> InboundMessage:
    """A busy queue with long values; returns a result for an unknown patient."""
    for n in range(4):
        message_receive(
            raw=unsupported(
                f"MFN-2026-01-01-{n:04d}-LONG-CONTROL-ID", sending_application="PRACTICE-MGMT"
            ).encode()
        )
    return message_receive(
        raw=oru(
            "ORU-2026-01-01-000123456789",
            mrn="UNKNOWN-0000012345",
            sending_application="Hospital Laboratory Information System",
            sending_facility=CLINIC,
        ).encode()
    ).message


def test_the_queue_and_a_message_read_at_phone_width(page, live_server, clinic, alice, nora):
    message = waiting_messages()
    signed_in_page(page, live_server, nora)
    detail = f"/staff/interface/{message.pk}/"
    pages = ["/staff/interface/", detail]

    assert page_problems(page, pages) == {}
    violations = []
    for path in pages:
        page.goto(path)
        page.locator("h1").wait_for()
        violations += axe_violations(page, path, "360px")
    assert violations == [], "\n".join(map(str, violations))


def test_staff_find_the_patient_match_and_replay_by_clicking(
    page, live_server, clinic, alice, nora
):
    message = waiting_messages()
    signed_in_page(page, live_server, nora)
    page.goto("/staff/")
    page.locator("h1").wait_for()

    open_from_menu(page, "Staff menu", "Interface errors")
    page.get_by_role("heading", name="Interface errors", exact=True).wait_for()
    page.get_by_role("link", name="Test results (ORU^R01)", exact=True).click()
    page.get_by_role("heading", name="Test results (ORU^R01) message", exact=True).wait_for()
    page.get_by_label("Name or MRN").fill("Adams")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("button", name="Match to Alice Adams", exact=True).click()
    page.get_by_text("Matched. Replay the message").wait_for()
    page.get_by_role("button", name="Replay this message", exact=True).click()
    page.get_by_text("Replayed and applied to the record.").wait_for()

    message.refresh_from_db()
    assert message.status == MessageStatus.PROCESSED
    assert message.patient == alice.patient
    assert violations_free(page)


def violations_free(page) -> bool:
    return axe_violations(page, "after replay", "360px") == []
