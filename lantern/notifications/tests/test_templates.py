"""Every kind's messages render from their documented context, plainly and with the footer."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from lantern.notifications.models import NotificationChannel, NotificationKind
from lantern.notifications.services import REQUIRED_CONTEXT, notification_render

LINK = "http://localhost:8000/one-time/abc123&x=1/"
APPOINTMENT = {
    "link": LINK,
    "time": "Mon, Mar 9, 2026, 9:00 AM EDT, clinic time",
    "place": "Riverside Main Street, 1 Main Street, Springfield",
    "clinician": "Dr. Dee Lee",
}
DOCUMENTED_CONTEXT = {
    NotificationKind.APPOINTMENT_REMINDER: APPOINTMENT,
    NotificationKind.WAITLIST_OFFER: {**APPOINTMENT, "expires": "Mar 2, 2026, 10:15 AM EST"},
    NotificationKind.WAITLIST_OFFER_GONE: {"link": LINK, "time": APPOINTMENT["time"]},
    NotificationKind.BOOKING_INVITATION: {"link": LINK},
    NotificationKind.ACTIVATION_LINK: {"link": LINK},
    NotificationKind.ENROLLMENT_DECLINED: {},
    NotificationKind.EMAIL_VERIFICATION: {"link": LINK},
    NotificationKind.SIGN_IN_CODE: {"code": "482913"},
    NotificationKind.PASSWORD_RESET: {"link": LINK},
    NotificationKind.USERNAME_REMINDER: {"username": "alice"},
    NotificationKind.PASSWORD_CHANGED: {},
    NotificationKind.NEW_DEVICE_SIGN_IN: {
        "device": "Firefox on Windows",
        "when": dt.datetime(2025, 3, 3, 19, 15, tzinfo=dt.UTC),
    },
    NotificationKind.CONTACT_CHANGED: {},
    NotificationKind.NEW_MESSAGE: {"link": LINK},
    NotificationKind.FAMILY_ACCESS_CHANGING: {
        "link": LINK,
        "date": "Dec 29, 2026",
        "teen_age": 12,
        "adult_age": 18,
    },
    NotificationKind.REFILL_DECIDED: {"link": LINK},
    NotificationKind.SUPPORT_REQUEST_RECEIVED: {"link": LINK},
}
FOOTER = (
    "--\n"
    "Riverside Family Clinic\n"
    "We will never ask for your password by email or text message.\n"
    "Tips to keep your account safe: http://localhost:8000/security-tips/\n"
)
ALLOWED_URLS = {LINK, "http://localhost:8000/", "http://localhost:8000/security-tips/"}


@pytest.fixture(autouse=True)
def _clinic(settings):
    settings.CLINIC_NAME = "Riverside Family Clinic"
    settings.PUBLIC_BASE_URL = "http://localhost:8000"


def test_every_kind_documents_its_context():
    assert set(REQUIRED_CONTEXT) == set(NotificationKind)
    assert set(DOCUMENTED_CONTEXT) == set(NotificationKind)
    for kind, needed in REQUIRED_CONTEXT.items():
        assert set(DOCUMENTED_CONTEXT[kind]) == needed


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_the_email_renders_completely_and_ends_with_the_footer(kind):
    subject, body = notification_render(
        kind=kind, channel=NotificationChannel.EMAIL, context=DOCUMENTED_CONTEXT[kind]
    )

    assert subject
    assert "\n" not in subject
    for leftover in ("{{", "}}", "{%", "%}"):
        assert leftover not in subject + body
    assert body.endswith(FOOTER)
    assert "\n\n\n" not in body
    assert set(re.findall(r"https?://\S+", body)) <= ALLOWED_URLS
    for value in DOCUMENTED_CONTEXT[kind].values():
        if isinstance(value, str):
            assert value in body


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_the_text_message_renders_completely_and_briefly(kind):
    _, body = notification_render(
        kind=kind, channel=NotificationChannel.SMS, context=DOCUMENTED_CONTEXT[kind]
    )

    for leftover in ("{{", "}}", "{%", "%}"):
        assert leftover not in body
    assert "Riverside Family Clinic" in body
    # Two SMS segments at most.
    assert len(body) <= 306
    assert set(re.findall(r"https?://\S+", body)) <= ALLOWED_URLS


@pytest.mark.parametrize("channel", list(NotificationChannel))
@pytest.mark.parametrize("kind", list(NotificationKind))
def test_messages_name_the_clinic_and_never_the_software(kind, channel):
    subject, body = notification_render(
        kind=kind, channel=channel, context=DOCUMENTED_CONTEXT[kind]
    )

    assert "Lantern" not in subject + body


def test_links_are_not_html_escaped_in_plain_text():
    _, body = notification_render(
        kind=NotificationKind.PASSWORD_RESET,
        channel=NotificationChannel.EMAIL,
        context={"link": LINK},
    )

    assert LINK in body
    assert "&amp;" not in body


def test_the_subjects_say_what_the_message_is_about():
    subjects = {
        kind: notification_render(
            kind=kind, channel=NotificationChannel.EMAIL, context=DOCUMENTED_CONTEXT[kind]
        )[0]
        for kind in NotificationKind
    }

    assert subjects == {
        NotificationKind.ACTIVATION_LINK: "Your activation link",
        NotificationKind.ENROLLMENT_DECLINED: (
            "About your request to join Riverside Family Clinic's patient portal"
        ),
        NotificationKind.EMAIL_VERIFICATION: "Confirm your email address",
        NotificationKind.SIGN_IN_CODE: "Your sign-in code",
        NotificationKind.PASSWORD_RESET: "Reset your password",
        NotificationKind.USERNAME_REMINDER: "Your username",
        NotificationKind.PASSWORD_CHANGED: "Your password was changed",
        NotificationKind.NEW_DEVICE_SIGN_IN: "Your password was used on a new device",
        NotificationKind.CONTACT_CHANGED: "Your contact details were changed",
        NotificationKind.NEW_MESSAGE: ("You have a new message from Riverside Family Clinic"),
        NotificationKind.FAMILY_ACCESS_CHANGING: "A change to family access on Dec 29, 2026",
        NotificationKind.APPOINTMENT_REMINDER: (
            "Appointment reminder from Riverside Family Clinic"
        ),
        NotificationKind.WAITLIST_OFFER: "An earlier appointment is free",
        NotificationKind.WAITLIST_OFFER_GONE: "The earlier appointment is no longer free",
        NotificationKind.BOOKING_INVITATION: "Riverside Family Clinic asks you to book a visit",
        NotificationKind.REFILL_DECIDED: (
            "There is an answer to your prescription request from Riverside Family Clinic"
        ),
        NotificationKind.SUPPORT_REQUEST_RECEIVED: (
            "A new support request for Riverside Family Clinic"
        ),
    }


def test_a_new_device_notice_gives_the_time_in_the_clinics_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"

    _, body = notification_render(
        kind=NotificationKind.NEW_DEVICE_SIGN_IN,
        channel=NotificationChannel.EMAIL,
        context=DOCUMENTED_CONTEXT[NotificationKind.NEW_DEVICE_SIGN_IN],
    )

    assert "Device: Firefox on Windows\n" in body
    assert "When: March 3, 2025 at 2:15 PM EST\n" in body


def test_a_declined_request_reveals_nothing_about_the_record():
    _, body = notification_render(
        kind=NotificationKind.ENROLLMENT_DECLINED, channel=NotificationChannel.EMAIL, context={}
    )

    assert "could not set up an account" in body
    assert "call the clinic" in body
    for revealing in ("date of birth", "no record", "not found", "does not exist"):
        assert revealing not in body.lower()
