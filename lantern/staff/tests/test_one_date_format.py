"""The console, the messages and the enrollment pages write dates one way (issue 10, point 4):
`day` ("Nov 29, 2026") and `moment` ("Nov 29, 2026, 2:05 PM EST"), never their own format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from lantern.testing.auth import sign_in
from lantern.testing.factories_enrollment import EnrollmentRequestFactory

APPS = Path(__file__).resolve().parents[2]
TEMPLATE_FOLDERS = [
    APPS / "staff" / "templates",
    APPS / "messaging" / "templates",
    APPS / "enrollment" / "templates",
]
# `|date:'c'` is kept: it fills the machine-readable datetime attribute of <time>, not words.
OWN_FORMAT = re.compile(r"""\|date:(?!\s*['"]c['"])""")


def test_no_template_of_the_console_messages_or_enrollment_has_its_own_date_format():
    offenders = [
        f"{path.relative_to(APPS)}:{number}"
        for folder in TEMPLATE_FOLDERS
        for path in sorted(folder.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if OWN_FORMAT.search(line)
    ]
    assert offenders == []


@pytest.mark.django_db
def test_a_sign_up_request_shows_when_it_was_sent_with_the_time_zone(nora, clinic, settings):
    settings.TIME_ZONE = "America/New_York"
    EnrollmentRequestFactory(organization=clinic)

    html = sign_in(Client(), nora).get(reverse("staff:enrollment_requests")).content.decode()

    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M E[SD]T", html)
