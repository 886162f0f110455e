"""The patient's appointments page and the home page's next visit (issue 13, point 2): times in
the clinic's own zone, labelled, whatever the season; only the patient's own visits; a page
that costs the same whatever the number of visits."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.audit.models import ActorRole
from lantern.testing.auth import sign_in

from .conftest import MONDAY_MORNING, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY_MORNING, tick=False):
        yield


def visit(patient, doctor, location, checkup, start, **fields) -> Appointment:
    return Appointment.objects.create(
        patient=patient,
        clinician=doctor,
        location=location,
        visit_type=checkup,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        booked_by_role=ActorRole.STAFF,
        **fields,
    )


def page(client: Client, patient) -> str:
    response = client.get(reverse("appointments:list", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_coming_and_past_visits_are_listed_in_the_clinics_time_with_its_label(
    alice, doctor, location, checkup
):
    checkup.patient_instructions = "Bring your medicines."
    checkup.save(update_fields=["patient_instructions"])
    visit(alice.patient, doctor, location, checkup, at(dt.date(2026, 1, 14), 9))
    # After the clocks change (March 8, 2026): the same wall time, in daylight time.
    visit(alice.patient, doctor, location, checkup, at(dt.date(2026, 3, 11), 9))
    visit(alice.patient, doctor, location, checkup, at(dt.date(2026, 1, 5), 15))
    visit(
        alice.patient,
        doctor,
        location,
        checkup,
        at(dt.date(2026, 1, 20), 10),
        status=AppointmentStatus.CANCELLED,
    )

    html = page(sign_in(Client(), alice), alice.patient)

    upcoming, past = html.split("Past and cancelled", 1)
    assert "Wed, Jan 14, 2026, 9:00 AM EST, clinic time" in upcoming
    assert "Wed, Mar 11, 2026, 9:00 AM EDT, clinic time" in upcoming
    assert "Bring your medicines." in upcoming
    assert "1 Main Street" in upcoming and "555-0100" in upcoming
    assert "Mon, Jan 5, 2026, 3:00 PM EST, clinic time" in past
    assert "Tue, Jan 20, 2026, 10:00 AM EST, clinic time" in past
    assert "Cancelled" in past


def test_another_patients_visits_are_not_listed(alice, charlie, doctor, location, checkup):
    visit(charlie.patient, doctor, location, checkup, at(dt.date(2026, 1, 14), 9))

    html = page(sign_in(Client(), alice), alice.patient)

    assert "No visits are booked." in html
    assert "Jan 14, 2026" not in html


def test_the_page_costs_the_same_for_2_and_60_visits(alice, doctor, location, checkup):
    client = sign_in(Client(), alice)
    for day in (14, 15):
        visit(alice.patient, doctor, location, checkup, at(dt.date(2026, 1, day), 9))
    page(client, alice.patient)
    with CaptureQueriesContext(connection) as few:
        page(client, alice.patient)
    for index in range(58):
        start = at(dt.date(2026, 2, 2) + dt.timedelta(days=index), 9)
        visit(alice.patient, doctor, location, checkup, start)

    with CaptureQueriesContext(connection) as many:
        html = page(client, alice.patient)

    assert len(many) == len(few)
    assert html.count('data-testid="appointment"') == 25


def test_home_shows_the_next_visit_and_the_menu_leads_to_appointments(
    alice, doctor, location, checkup
):
    visit(alice.patient, doctor, location, checkup, at(dt.date(2026, 1, 15), 11))
    visit(alice.patient, doctor, location, checkup, at(dt.date(2026, 1, 14), 10))

    response = sign_in(Client(), alice).get(reverse("home:home"))

    html = response.content.decode()
    card = html.split('data-testid="next-visit"', 1)[1].split("</li>", 1)[0]
    assert "Wed, Jan 14, 2026, 10:00 AM EST, clinic time" in card
    assert 'href="/appointments/"' in html
