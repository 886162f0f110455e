"""Pages are fast by construction: the same number of SQL queries for a small and a large amount
of data behind them (lists are paginated or bounded)."""

from __future__ import annotations

import uuid

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.services import sign_in_record
from lantern.mfa.services import trusted_device_create
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory
from lantern.testing.factories_enrollment import EnrollmentRequestFactory

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"


def queries_for(client: Client, url: str) -> int:
    # Time stands still, so the session's "last active" refresh (once a minute, a write) happens
    # on the first request or not at all, never on the one counted, however slow the machine.
    with time_machine.travel(timezone.now(), tick=False):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def record_sign_ins(user, count: int) -> None:
    for _ in range(count):
        sign_in_record(
            user=user,
            session_key=uuid.uuid4().hex,
            ip_address="203.0.113.9",
            user_agent=FIREFOX,
            device_id=None,
        )


def test_the_patients_home_and_account_pages_cost_the_same_with_many_sign_ins(alice):
    client = sign_in(Client(), alice)
    record_sign_ins(alice, 2)
    few = [queries_for(client, reverse(name)) for name in ("home:home", "accounts:settings")]

    record_sign_ins(alice, 40)
    many = [queries_for(client, reverse(name)) for name in ("home:home", "accounts:settings")]

    assert few == many


def test_the_two_step_page_costs_the_same_with_many_trusted_browsers(alice):
    client = sign_in(Client(), alice)
    trusted_device_create(user=alice, user_agent=FIREFOX)
    few = queries_for(client, reverse("mfa:manage"))

    for _ in range(20):
        trusted_device_create(user=alice, user_agent=FIREFOX)

    assert queries_for(client, reverse("mfa:manage")) == few


def test_the_staff_queues_and_lists_cost_the_same_with_many_requests_and_patients(nora, clinic):
    client = sign_in(Client(), nora)
    # The search term is posted once and kept in the session; the results page has no query.
    client.post(reverse("staff:patients"), {"q": "Diaz"})
    pages = [
        reverse("staff:home"),
        reverse("staff:enrollment_requests"),
        reverse("staff:patients"),
    ]
    EnrollmentRequestFactory.create_batch(2)
    PatientFactory.create_batch(2, family_name="Diaz", managing_organization=clinic)
    few = [queries_for(client, page) for page in pages]

    EnrollmentRequestFactory.create_batch(60)
    PatientFactory.create_batch(60, family_name="Diaz", managing_organization=clinic)

    assert [queries_for(client, page) for page in pages] == few
