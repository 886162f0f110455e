"""A result dated without a time shows that day, unshifted, with no made-up time (issue 11,
point 3); a real instant still shows its local time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory

from .conftest import make_report

pytestmark = pytest.mark.django_db

MIDNIGHT_UTC = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)


def test_a_lab_value_dated_by_day_shows_that_day_without_a_time(alice):
    observation = ObservationFactory(
        patient=alice.patient,
        effective_at=MIDNIGHT_UTC,
        date_precisions={"effective_at": "day"},
    )
    url = reverse("results:observation", args=[alice.patient_id, observation.pk])

    page = sign_in(Client(), alice).get(url).text

    assert "Jan 10, 2026" in page
    assert "Jan 9, 2026" not in page and "7:00 PM" not in page


def test_a_report_taken_at_an_instant_still_shows_its_local_time(alice):
    report = make_report(alice.patient, when=MIDNIGHT_UTC, values=[{}])
    url = reverse("results:detail", args=[alice.patient_id, report.pk])

    page = sign_in(Client(), alice).get(url).text

    assert "Jan 9, 2026, 7:00 PM EST" in page
