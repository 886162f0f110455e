"""A result whose source gave its date without a time ("2011-04-30", "2011-05") is stored at
midnight UTC with its precision; the results list, the home page, a trend and the staff queue
show that date as given, never the day before in the clinic's time zone (New York)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from lantern.clinical.models import ReportKind
from lantern.results.models import ResultReleaseDelay
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory

from .conftest import make_report

pytestmark = pytest.mark.django_db

APRIL_30 = dt.datetime(2011, 4, 30, tzinfo=dt.UTC)  # "2011-04-30", stored at midnight UTC
MAY = dt.datetime(2011, 5, 1, tzinfo=dt.UTC)  # "2011-05"
JUNE_1 = dt.datetime(2011, 6, 1, tzinfo=dt.UTC)  # "2011-06-01"
DAY = {"effective_at": "day"}


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_results_list_groups_results_under_the_date_their_source_gave(alice):
    make_report(alice.patient, display="Lipid panel", when=APRIL_30, date_precisions=DAY)
    ObservationFactory(
        patient=alice.patient,
        display="Ferritin",
        effective_at=MAY,
        date_precisions={"effective_at": "month"},
    )

    html = page(sign_in(Client(), alice), reverse("results:list", args=[alice.patient_id]))

    assert ">May 2011</h2>" in html
    assert ">Apr 30, 2011</h2>" in html
    assert "Apr 29, 2011" not in html
    assert "Apr 30, 2011" not in html.split(">May 2011</h2>")[0]  # newest first, May on top


def test_the_home_page_shows_a_recent_result_on_the_date_its_source_gave(alice):
    make_report(alice.patient, display="Lipid panel", when=APRIL_30, date_precisions=DAY)

    html = page(sign_in(Client(), alice), reverse("home:home"))

    assert "Apr 30, 2011" in html
    assert "Apr 29, 2011" not in html


def test_a_trend_lists_labels_and_describes_dates_as_their_source_gave_them(alice):
    for when in (APRIL_30, JUNE_1):
        ObservationFactory(
            patient=alice.patient,
            code="2093-3",
            display="Cholesterol",
            value_quantity=190.0,
            effective_at=when,
            date_precisions=DAY,
        )

    html = page(
        sign_in(Client(), alice), reverse("results:trend", args=[alice.patient_id, "2093-3"])
    )

    assert "from Apr 30, 2011 to Jun 1, 2011" in html  # the chart's description
    assert "on Apr 30, 2011" in html  # a point's label
    assert ">Apr 30, 2011</th>" in html  # the table
    assert "Apr 29" not in html
    assert "May 31" not in html


def test_the_staff_queue_shows_a_held_result_on_the_date_its_source_gave(alice, nora):
    ResultReleaseDelay.objects.create(kind=ReportKind.LABORATORY, delay_hours=72)
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    make_report(
        alice.patient,
        display="Lipid panel",
        when=APRIL_30,
        issued_at=now,
        kind=ReportKind.LABORATORY,
        date_precisions=DAY,
    )

    with time_machine.travel(now, tick=False):
        html = page(sign_in(Client(), nora), reverse("staff:results_on_hold"))

    assert "Lipid panel" in html
    assert "Apr 30, 2011" in html
    assert "Apr 29, 2011" not in html
