"""The account settings, two-step and access log pages use the one date and time format of every
patient page, with the time zone where a time is shown (issue 10, point 4)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from lantern.accounts.services import sign_in_record
from lantern.mfa.services import trusted_device_create
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db

# 2:05 PM in New York (the clinic's time zone in the test settings), in November (EST).
SIGNED_IN = dt.datetime(2026, 11, 29, 19, 5, tzinfo=dt.UTC)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def client_at_sign_in(alice) -> Client:
    with time_machine.travel(SIGNED_IN, tick=False):
        client = sign_in(Client(), alice)
        sign_in_record(
            user=alice,
            session_key=uuid.uuid4().hex,
            ip_address="203.0.113.9",
            user_agent=FIREFOX,
            device_id=None,
        )
        trusted_device_create(user=alice, user_agent=FIREFOX)
        # Opening the record is written to the access log at this moment.
        client.get(reverse("record:vitals", args=[alice.patient_id]))
    return client


def test_the_settings_page_shows_sign_ins_with_the_one_date_and_time_format(client_at_sign_in):
    with time_machine.travel(SIGNED_IN + dt.timedelta(minutes=1), tick=False):
        page = client_at_sign_in.get(reverse("accounts:settings")).content.decode()

    assert "Nov 29, 2026, 2:05 PM EST" in page
    assert "November 29" not in page


def test_the_two_step_page_shows_days_with_the_one_date_format(client_at_sign_in):
    with time_machine.travel(SIGNED_IN + dt.timedelta(minutes=1), tick=False):
        page = client_at_sign_in.get(reverse("mfa:manage")).content.decode()

    # The browser is trusted for 30 days from then.
    assert "Nov 29, 2026" in page
    assert "Dec 29, 2026" in page
    assert "November 29" not in page


def test_the_access_log_shows_times_with_the_one_format(client_at_sign_in, alice):
    with time_machine.travel(SIGNED_IN + dt.timedelta(minutes=1), tick=False):
        url = reverse("audit:access_log", args=[alice.patient_id])
        response = client_at_sign_in.get(f"{url}?mine=1")

    page = response.content.decode()
    assert "Nov 29, 2026, 2:05 PM EST" in page
    assert " at 2:05 p.m." not in page
