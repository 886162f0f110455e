"""The schedule setup pages: visit types, places, weekly hours and exceptions, changed by the
clinic's administrators only, with clear form errors and nothing lost on bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lantern.appointments.models import (
    ExceptionKind,
    Location,
    ScheduleException,
    VisitType,
    WeeklyHours,
)

from .conftest import NEW_YORK
from .staff_fixtures import administrator_of, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_morning")]

SETUP = "/staff/schedule/setup/"


@pytest.fixture
def as_ada(clinic) -> Client:
    return signed_in(administrator_of(clinic))


def hours_url(clinician) -> str:
    return f"{SETUP}clinicians/{clinician.pk}/"


def test_every_staff_member_reads_the_setup_but_only_administrators_see_changes(
    nora, as_ada, checkup, location, doctor
):
    page = signed_in(nora).get(SETUP).content.decode()
    assert "Check-up" in page and "Riverside Main Street" in page and "America/New_York" in page
    assert "Add a visit type" not in page
    assert "Only the clinic's administrators can change them." in page
    assert "Add a visit type" in as_ada.get(SETUP).content.decode()
    assert hours_url(doctor) in page


def test_a_nurse_cannot_open_or_post_the_setup_forms(nora, checkup, location, doctor):
    nurse = signed_in(nora)
    assert nurse.get(f"{SETUP}visit-types/add/").status_code == 404
    assert nurse.get(f"{SETUP}visit-types/{checkup.pk}/").status_code == 404
    assert nurse.post(f"{SETUP}places/add/", {"name": "X"}).status_code == 404
    hours = {"location": location.pk, "weekday": 5, "starts_at": "09:00", "ends_at": "12:00"}
    assert nurse.post(hours_url(doctor) + "hours/add/", hours).status_code == 404
    assert not WeeklyHours.objects.filter(weekday=5).exists()


def test_an_administrator_of_another_clinic_cannot_change_this_one(other_clinic, checkup):
    other = signed_in(administrator_of(other_clinic))
    assert other.get(f"{SETUP}visit-types/{checkup.pk}/").status_code == 404


def test_an_administrator_adds_a_visit_type(as_ada, clinic):
    response = as_ada.post(
        f"{SETUP}visit-types/add/",
        {
            "name": "Flu shot",
            "length_minutes": "15",
            "patient_instructions": "Wear short sleeves.",
            "patients_may_book": "on",
            "booking_horizon_days": "30",
            "cancellation_cutoff_hours": "2",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    added = VisitType.objects.get(name="Flu shot")
    assert (added.organization, added.length_minutes, added.patients_may_book) == (
        clinic,
        15,
        True,
    )


def test_a_visit_type_with_a_bad_length_keeps_what_was_typed_and_says_why(as_ada):
    response = as_ada.post(
        f"{SETUP}visit-types/add/",
        {"name": "Long one", "length_minutes": "600", "booking_horizon_days": "30"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Ensure this value is less than or equal to 480." in page
    assert 'value="Long one"' in page
    assert not VisitType.objects.filter(name="Long one").exists()


def test_an_administrator_edits_a_visit_type(as_ada, checkup):
    response = as_ada.post(
        f"{SETUP}visit-types/{checkup.pk}/",
        {
            "name": "Check-up",
            "length_minutes": "45",
            "booking_horizon_days": "30",
            "cancellation_cutoff_hours": "24",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    checkup.refresh_from_db()
    assert checkup.length_minutes == 45
    assert checkup.patients_may_book is False


def test_a_place_needs_a_real_time_zone(as_ada):
    response = as_ada.post(
        f"{SETUP}places/add/", {"name": "Uptown", "time_zone": "Mars/Olympus", "phone": "555"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Mars/Olympus is not a time zone name" in page
    assert 'value="Uptown"' in page
    assert (
        as_ada.post(
            f"{SETUP}places/add/", {"name": "Uptown", "time_zone": "America/Chicago"}
        ).status_code
        == 302
    )
    assert Location.objects.get(name="Uptown").time_zone == "America/Chicago"


def test_weekly_hours_are_added_and_removed(as_ada, doctor, location):
    response = as_ada.post(
        hours_url(doctor) + "hours/add/",
        {"location": location.pk, "weekday": 5, "starts_at": "09:00", "ends_at": "12:00"},
    )
    assert response.status_code == 302
    row = WeeklyHours.objects.get(clinician=doctor, weekday=5)
    assert (row.starts_at, row.ends_at) == (dt.time(9), dt.time(12))
    assert "Saturday" in as_ada.get(hours_url(doctor)).content.decode()

    as_ada.post(hours_url(doctor) + "hours/remove/", {"row": row.pk})
    assert not WeeklyHours.objects.filter(pk=row.pk).exists()


def test_overlapping_weekly_hours_are_refused_with_a_form_error(as_ada, doctor, location):
    # The doctor works Monday 9:00 to 17:00 already.
    response = as_ada.post(
        hours_url(doctor) + "hours/add/",
        {"location": location.pk, "weekday": 0, "starts_at": "16:00", "ends_at": "18:00"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "These hours overlap Monday 9:00 AM to 5:00 PM at Riverside Main Street." in page
    assert 'value="16:00"' in page
    assert WeeklyHours.objects.filter(clinician=doctor, weekday=0).count() == 1


def test_hours_that_end_before_they_start_are_refused(as_ada, doctor, location):
    response = as_ada.post(
        hours_url(doctor) + "hours/add/",
        {"location": location.pk, "weekday": 5, "starts_at": "12:00", "ends_at": "09:00"},
    )
    assert response.status_code == 400
    assert "The end must be after the start." in response.content.decode()


def test_a_holiday_is_entered_as_whole_local_days(as_ada, doctor, location):
    response = as_ada.post(
        hours_url(doctor) + "exceptions/add/",
        {"kind": "holiday", "starts_on": "2026-01-19", "ends_on": "2026-01-20"},
    )
    assert response.status_code == 302
    holiday = ScheduleException.objects.get(clinician=doctor)
    assert holiday.starts_at == dt.datetime(2026, 1, 19, tzinfo=NEW_YORK)
    assert holiday.ends_at == dt.datetime(2026, 1, 21, tzinfo=NEW_YORK)
    assert holiday.location is None


def test_extra_hours_are_entered_in_the_places_zone_and_need_a_place(as_ada, doctor, clinic):
    chicago = Location.objects.create(
        organization=clinic, name="Lakeside", time_zone="America/Chicago"
    )
    fields = {
        "kind": ExceptionKind.EXTRA_HOURS,
        "starts_on": "2026-01-17",
        "starts_at": "08:00",
        "ends_at": "12:00",
    }
    missing = as_ada.post(hours_url(doctor) + "exceptions/add/", fields)
    assert missing.status_code == 400
    assert "Choose the place where the extra hours are." in missing.content.decode()

    as_ada.post(hours_url(doctor) + "exceptions/add/", {**fields, "location": chicago.pk})
    extra = ScheduleException.objects.get(clinician=doctor)
    assert extra.starts_at == dt.datetime(2026, 1, 17, 14, 0, tzinfo=dt.UTC)
    assert "Sat, Jan 17, 2026, 8:00 AM to Sat, Jan 17, 2026, 12:00 PM CST" in (
        as_ada.get(hours_url(doctor)).content.decode()
    )
    as_ada.post(hours_url(doctor) + "exceptions/remove/", {"row": extra.pk})
    assert not ScheduleException.objects.exists()


def test_a_time_the_clocks_skip_is_refused(as_ada, doctor, location):
    response = as_ada.post(
        hours_url(doctor) + "exceptions/add/",
        {
            "kind": ExceptionKind.BLOCKED,
            "location": location.pk,
            "starts_on": "2026-03-08",
            "starts_at": "02:30",
            "ends_at": "04:00",
        },
    )
    assert response.status_code == 400
    assert "That time does not exist on that day" in response.content.decode()
