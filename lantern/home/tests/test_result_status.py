"""The home page's recent results say their status and date as the results list does (issue 10,
points 3 and 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from lantern.results.tests.conftest import make_report
from lantern.testing.auth import sign_in
from lantern.testing.factories import EncounterFactory

pytestmark = pytest.mark.django_db


def activity_rows(user) -> list[str]:
    html = sign_in(Client(), user).get(reverse("home:home")).text
    table = html.split('data-testid="recent-activity"')[1].split("</table>")[0]
    return table.split("<tr>")[2:]


def test_a_recent_result_without_a_range_says_no_range_given_not_normal(alice):
    make_report(
        alice.patient,
        code="",
        display="Vitamin D test",
        values=[{"value_quantity": 31.0, "value_unit": ""}],
    )

    (row,) = activity_rows(alice)

    assert "Vitamin D test" in row
    assert ">No range given</span>" in row and "Normal" not in row


def test_a_recent_result_in_its_range_says_normal(alice):
    make_report(
        alice.patient,
        display="Glucose test",
        values=[{"value_quantity": 80.0, "reference_low": 70.0, "reference_high": 99.0}],
    )

    (row,) = activity_rows(alice)

    assert ">Normal</span>" in row


def test_recent_activity_dates_read_like_every_other_page(alice):
    make_report(
        alice.patient,
        display="Glucose test",
        when=dt.datetime(2026, 11, 29, 19, 5, tzinfo=dt.UTC),
    )

    (row,) = activity_rows(alice)

    assert "Nov 29, 2026" in row and "November" not in row


def test_a_visit_dated_without_a_time_shows_that_day_unshifted(alice):
    EncounterFactory(
        patient=alice.patient,
        type_display="Checkup",
        period_start=dt.datetime(2026, 1, 10, tzinfo=dt.UTC),
        date_precisions={"period_start": "day"},
    )

    (row,) = activity_rows(alice)

    assert "Jan 10, 2026" in row and "Jan 9, 2026" not in row
