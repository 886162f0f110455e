"""Home shows the patient's prescription requests waiting for the clinic (issue 14, point 1)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.refills import services

from .factories import medication, request_refill, staff_access

pytestmark = pytest.mark.django_db


def card(client) -> str:
    html = client.get(reverse("home:home")).content.decode()
    found = re.search(r'data-testid="refills">(.*?)</li>', html, re.S)
    assert found, "no refills card"
    return re.sub(r"\s+", " ", found.group(1))


def test_the_card_counts_requests_waiting_and_links_to_the_medications(
    alice_client, alice, nora, pharmacy
):
    assert "No requests are waiting" in card(alice_client)
    request_refill(alice, medication(alice.patient), pharmacy)
    decided = request_refill(alice, medication(alice.patient), pharmacy)
    services.refill_approve(access=staff_access(nora, alice.patient), refill=decided)

    text = card(alice_client)

    assert "You have <strong>1</strong> request for refills waiting" in text
    assert f'href="{reverse("record:my_medications")}"' in text


def test_the_home_page_costs_the_same_with_1_and_30_requests_waiting(alice_client, alice, pharmacy):
    def queries() -> int:
        alice_client.get(reverse("home:home"))
        with CaptureQueriesContext(connection) as captured:
            alice_client.get(reverse("home:home"))
        return len(captured)

    request_refill(alice, medication(alice.patient), pharmacy)
    few = queries()
    for _ in range(29):
        request_refill(alice, medication(alice.patient), pharmacy)

    assert queries() == few
