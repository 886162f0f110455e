"""Self-scheduling from the patient's side (issue 13, point 3): visit type, clinician or first
available, place (a step with one choice is skipped), a week of open times in clinic time,
confirm; a double click books once; a time taken meanwhile offers the next ones."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.audit.models import AuditEvent
from lantern.testing.auth import sign_in

from .booking_fixtures import book_url, booked_visit, confirm, confirm_url, html, second_location
from .conftest import at, clinician_make

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 1, 13)


@pytest.fixture(autouse=True)
def _monday(monday_morning):
    yield


@pytest.fixture
def alice_client(alice) -> Client:
    return sign_in(Client(), alice)


def test_the_first_step_lists_bookable_visits_and_offers_a_request_for_the_others(
    alice_client, alice, checkup, procedure, doctor
):
    page = html(alice_client.get(book_url(alice.patient)))

    assert "<h1>Book an appointment</h1>" in page
    options = page.split('data-testid="options"', 1)[1].split("</ul>", 1)[0]
    assert "Check-up" in options and "Minor procedure" not in options
    requests = page.split('data-testid="request-only"', 1)[1].split("</ul>", 1)[0]
    assert "Minor procedure" in requests and "Request an appointment" in requests
    assert f"/patients/{alice.patient.pk}/appointments/request/?visit={procedure.pk}" in requests


def test_with_one_clinician_and_one_place_the_visit_leads_straight_to_the_open_times(
    alice_client, alice, checkup, doctor, location
):
    page = html(alice_client.get(book_url(alice.patient, visit=checkup.pk)))

    assert "<h1>Choose a time</h1>" in page
    assert "Monday, January 12" in page and "Friday, January 16" in page
    assert "Saturday" not in page
    monday = page.split("Monday, January 12", 1)[1].split("</section>", 1)[0]
    assert "9:00 AM EST" in monday and "4:30 PM EST" in monday
    assert page.count('data-testid="open-time"') == 5 * 16
    assert "Later week" in page and "Earlier week" not in page
    # Only ids in the links, never a name.
    assert f"clinician={doctor.pk}" in page and "dr-dee" not in page.split("open-time", 1)[1]


def test_with_several_clinicians_and_places_each_is_asked_for_first_available_included(
    alice_client, alice, clinic, checkup, doctor, location
):
    other = clinician_make(clinic, "dr-eve", location)
    annex = second_location(clinic)
    clinician_make(clinic, "dr-fay", annex)

    clinicians = html(alice_client.get(book_url(alice.patient, visit=checkup.pk)))
    assert "<h1>Who would you like to see?</h1>" in clinicians
    assert "First available" in clinicians and "dr-eve" in clinicians

    places = html(alice_client.get(book_url(alice.patient, visit=checkup.pk, clinician="any")))
    assert "<h1>Where would you like to go?</h1>" in places
    assert "Riverside Main Street" in places and "Hillside Annex" in places

    # One clinician who works at one place: the place is chosen for the patient.
    times = html(alice_client.get(book_url(alice.patient, visit=checkup.pk, clinician=other.pk)))
    assert "<h1>Choose a time</h1>" in times and "Riverside Main Street" in times


def test_later_week_shows_the_next_week_and_leads_back(alice_client, alice, checkup, doctor):
    page = html(alice_client.get(book_url(alice.patient, visit=checkup.pk, week="2026-01-19")))

    assert "Monday, January 19" in page and "Monday, January 12" not in page
    assert "week=2026-01-12" in page  # Earlier week


def test_confirming_books_once_and_shows_the_visit_with_a_success_message(
    alice_client, alice, checkup, doctor, location
):
    checkup.patient_instructions = "Bring your medicines."
    checkup.save(update_fields=["patient_instructions"])
    url = confirm_url(alice.patient, checkup, at(TUESDAY, 10), clinician=doctor)

    page = html(alice_client.get(url))
    assert "Tue, Jan 13, 2026, 10:00 AM EST, clinic time" in page
    assert "Bring your medicines." in page and "1 Main Street" in page and "555-0100" in page
    assert 'name="submission_id"' in page
    assert not Appointment.objects.exists()

    submission = uuid.uuid4()
    first = confirm(alice_client, url, submission)
    again = confirm(alice_client, url, submission)

    appointment = Appointment.objects.get()
    assert appointment.starts_at == at(TUESDAY, 10) and appointment.clinician == doctor
    assert first.status_code == again.status_code == 302
    assert (
        first["Location"]
        == again["Location"]
        == (f"/patients/{alice.patient.pk}/appointments/{appointment.pk}/")
    )
    shown = html(alice_client.get(first["Location"]))
    assert "The visit is booked." in shown


def test_first_available_books_the_first_free_clinician_at_that_time(
    alice_client, alice, charlie, clinic, checkup, doctor, location
):
    other = clinician_make(clinic, "dr-eve", location)
    first, second = sorted((doctor, other), key=lambda user: user.pk)
    booked_visit(charlie.patient, first, location, checkup, at(TUESDAY, 10))

    response = confirm(alice_client, confirm_url(alice.patient, checkup, at(TUESDAY, 10)))
    assert response.status_code == 302
    assert Appointment.objects.get(patient=alice.patient).clinician == second

    response = confirm(alice_client, confirm_url(alice.patient, checkup, at(TUESDAY, 11)))
    assert response.status_code == 302
    assert Appointment.objects.get(patient=alice.patient, starts_at=at(TUESDAY, 11)).clinician == (
        first
    )


def test_a_time_taken_meanwhile_says_so_and_offers_the_next_open_times(
    alice_client, alice, charlie, checkup, doctor, location
):
    url = confirm_url(alice.patient, checkup, at(TUESDAY, 10), clinician=doctor)
    alice_client.get(url)
    booked_visit(charlie.patient, doctor, location, checkup, at(TUESDAY, 10))

    response = confirm(alice_client, url)

    assert response.status_code == 409
    page = html(response)
    assert "That time was just taken" in page
    offered = page.split('data-testid="next-times"', 1)[1].split("</ul>", 1)[0]
    assert "Tue, Jan 13, 10:30 AM EST" in offered and "11:30 AM" in offered
    assert "start=2026-01-13T15%3A30%3A00Z" in offered or "start=2026-01-13T15:30:00Z" in offered
    assert not Appointment.objects.filter(patient=alice.patient).exists()


def test_a_time_that_is_not_open_is_refused_in_plain_words(alice_client, alice, checkup, doctor):
    sunday = at(dt.date(2026, 1, 18), 10)

    response = confirm(alice_client, confirm_url(alice.patient, checkup, sunday, clinician=doctor))

    assert response.status_code == 400
    assert "That time cannot be booked" in html(response)
    assert "not open for booking" in html(response)
    assert not Appointment.objects.exists()


def test_a_visit_patients_may_not_book_cannot_be_booked_through_the_pages(
    alice_client, alice, procedure, doctor
):
    response = confirm(alice_client, confirm_url(alice.patient, procedure, at(TUESDAY, 10)))

    # Not offered: back to choosing, nothing booked.
    assert response.status_code == 302 and "/book/" in response["Location"]
    assert not Appointment.objects.exists()


def test_the_week_of_open_times_costs_the_same_for_1_and_30_clinicians(
    alice_client, alice, clinic, checkup, doctor, location, charlie
):
    # With one clinician "first available" is that clinician; with 30 it is all of them.
    url = book_url(alice.patient, visit=checkup.pk, clinician="any", place=location.pk)
    alice_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert "<strong>dr-dee</strong>" in html(alice_client.get(url))
    for index in range(29):
        other = clinician_make(clinic, f"dr-more-{index}", location)
        booked_visit(charlie.patient, other, location, checkup, at(TUESDAY, 9 + index % 8))

    with CaptureQueriesContext(connection) as many:
        page = html(alice_client.get(url))

    assert len(many) == len(few)
    assert "<strong>First available</strong>" in page and "9:00 AM EST" in page


def test_booking_is_audited_as_the_appointment_made(alice_client, alice, checkup, doctor):
    confirm(alice_client, confirm_url(alice.patient, checkup, at(TUESDAY, 10), clinician=doctor))

    appointment = Appointment.objects.get()
    assert AuditEvent.objects.filter(
        action="create", object_type="Appointment", object_id=str(appointment.pk)
    ).exists()
    assert appointment.status == AppointmentStatus.BOOKED
