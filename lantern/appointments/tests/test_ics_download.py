"""Add to calendar (issue 13, point 8): an .ics file made with icalendar, in the place's time
zone with its VTIMEZONE, that parses back to the same start, end and place; no health details,
a file name that names no one; the download is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from lantern.appointments.ics import appointment_calendar
from lantern.audit.models import AuditEvent
from lantern.testing.auth import sign_in

from .booking_fixtures import booked_visit
from .conftest import at

pytestmark = pytest.mark.django_db

# After the clocks change in New York (March 8, 2026): daylight time.
SUMMER_DAY = dt.date(2026, 3, 11)


@pytest.fixture(autouse=True)
def _monday(monday_morning):
    yield


@pytest.fixture
def visit(alice, doctor, location, checkup):
    checkup.patient_instructions = "Stop taking aspirin a week before."
    checkup.save(update_fields=["patient_instructions"])
    return booked_visit(alice.patient, doctor, location, checkup, at(SUMMER_DAY, 9))


def calendar_url(appointment) -> str:
    return reverse("appointments:calendar", args=[appointment.patient_id, appointment.pk])


def test_the_file_parses_back_to_the_same_start_end_and_place(visit):
    parsed = Calendar.from_ical(appointment_calendar(visit))

    (event,) = parsed.walk("VEVENT")
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == visit.starts_at and end == visit.ends_at
    assert start.utcoffset() == dt.timedelta(hours=-4)  # 9:00 EDT, wall time kept
    assert (start.hour, str(start.tzinfo)) == (9, "America/New_York")
    assert str(event["location"]) == "Riverside Main Street, 1 Main Street, Springfield"
    assert str(event["summary"]) == "Visit: Check-up at Riverside Family Clinic"
    assert str(event["uid"]) == f"{visit.pk}@appointments.lantern"
    (zone,) = parsed.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "America/New_York"
    text = appointment_calendar(visit).decode()
    assert "DTSTART;TZID=America/New_York:20260311T090000" in text


def test_the_time_zone_holds_the_rules_of_the_visits_year_and_those_beside_it_only(visit):
    (zone,) = Calendar.from_ical(appointment_calendar(visit)).walk("VTIMEZONE")
    moments = [
        value
        for line in zone.to_ical().decode().splitlines()
        if line.startswith(("DTSTART", "RDATE"))
        for value in line.split(":", 1)[1].split(",")
    ]
    years = {int(moment[:4]) for moment in moments}
    assert visit.starts_at.year in years
    assert min(years) >= visit.starts_at.year - 1 and max(years) <= visit.starts_at.year + 1


def test_the_file_holds_no_health_details_nor_the_patients_name(visit, alice):
    text = appointment_calendar(visit).decode()

    assert "aspirin" not in text
    assert alice.patient.family_name not in text and str(alice.patient.pk) not in text


def test_the_uid_is_the_same_every_time(visit):
    first = Calendar.from_ical(appointment_calendar(visit)).walk("VEVENT")[0]["uid"]
    second = Calendar.from_ical(appointment_calendar(visit)).walk("VEVENT")[0]["uid"]

    assert first == second


def test_the_download_is_an_attachment_named_without_phi_and_audited(alice, visit):
    client = sign_in(Client(), alice)

    response = client.get(calendar_url(visit))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == 'attachment; filename="appointment.ics"'
    start = Calendar.from_ical(response.content).walk("VEVENT")[0].decoded("dtstart")
    assert start == visit.starts_at
    assert AuditEvent.objects.filter(
        action="export", object_type="Appointment", object_id=str(visit.pk), actor=alice
    ).exists()


def test_the_page_links_to_the_download(alice, visit):
    client = sign_in(Client(), alice)

    page = client.get(reverse("appointments:detail", args=[alice.patient.pk, visit.pk]))

    assert f'href="{calendar_url(visit)}"' in page.content.decode()
