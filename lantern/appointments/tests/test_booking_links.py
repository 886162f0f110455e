"""No dead ends in booking: every link of the appointment pages, followed from the list with two
clinicians, two places, a visit to change and an inbox for requests, leads somewhere, and
following links (GET) never books, moves or cancels anything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.messaging.models import Conversation, MessagePool
from lantern.testing.auth import sign_in
from lantern.testing.crawl import crawl

from .booking_fixtures import booked_visit, second_location
from .conftest import at, clinician_make

pytestmark = pytest.mark.django_db


def test_every_link_of_the_booking_pages_leads_somewhere_and_changes_nothing(
    monday_morning, alice, clinic, doctor, location, checkup, procedure
):
    # A one-day horizon keeps the crawl to one day of open times per choice.
    checkup.booking_horizon_days = 1
    checkup.save(update_fields=["booking_horizon_days"])
    clinician_make(clinic, "dr-fay", second_location(clinic))
    MessagePool.objects.create(organization=clinic, name="Scheduling")
    visit = booked_visit(alice.patient, doctor, location, checkup, at(dt.date(2026, 1, 14), 9))
    start = f"/patients/{alice.patient.pk}/appointments/"

    result = crawl(sign_in(Client(), alice), [start])

    assert result.broken == [], "\n".join(result.broken)
    for address in (
        f"{start}book/",
        f"{start}request/",
        f"{start}{visit.pk}/",
        f"{start}{visit.pk}/calendar/",
        f"{start}{visit.pk}/change/",
        f"{start}{visit.pk}/cancel/",
    ):
        assert result.visited.get(address) == 200, address
    assert any("/book/confirm/?" in address for address in result.visited)
    assert any("/change/confirm/?" in address for address in result.visited)
    assert list(Appointment.objects.values_list("pk", "status")) == [
        (visit.pk, AppointmentStatus.BOOKED)
    ]
    assert not Conversation.objects.exists()
