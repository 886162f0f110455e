"""The appointment pages at 360 x 740 in a real browser: one heading, no sideways scroll, every
control named, with long names; and a patient booking, downloading, moving and cancelling a
visit by tapping through the pages at phone width (issue 13, point 10)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.appointments.booking import free_clinicians, start_value
from lantern.appointments.models import Appointment, AppointmentReminder, AppointmentStatus
from lantern.appointments.reminders import reminders_send_due
from lantern.appointments.templatetags.clinic_time import clinic_time
from lantern.audit.models import ActorRole
from lantern.core.tests.test_accessibility_browser import (
    SMALL_TAP_TARGETS,
    TAP_TARGETS,
    axe_violations,
)
from lantern.messaging.models import MessagePool
from lantern.notifications.testing import deliver_all
from lantern.testing.page_checks import page_problems, signed_in_page

from .booking_fixtures import second_location
from .conftest import clinician_make

pytestmark = [pytest.mark.django_db(transaction=True)]


def long_names(doctor, checkup) -> None:
    doctor.first_name, doctor.last_name = "Maximiliana-Josephine", "Vanderberg-Oyelaran"
    doctor.save(update_fields=["first_name", "last_name"])
    checkup.name = "Comprehensive annual preventive medicine examination"
    checkup.patient_instructions = "Please bring a list of every medicine you take."
    checkup.save(update_fields=["name", "patient_instructions"])


def visit_at(alice, doctor, location, checkup, start, status=AppointmentStatus.BOOKED):
    return Appointment.objects.create(
        patient=alice.patient,
        clinician=doctor,
        location=location,
        visit_type=checkup,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status=status,
        booked_by_role=ActorRole.STAFF,
    )


def test_the_appointments_pages_read_at_phone_width(
    page, live_server, alice, doctor, location, checkup
):
    long_names(doctor, checkup)
    now = timezone.now()
    for days, status in ((2, AppointmentStatus.BOOKED), (-9, AppointmentStatus.COMPLETED)):
        visit_at(alice, doctor, location, checkup, now + dt.timedelta(days=days), status)
    signed_in_page(page, live_server, alice)

    problems = page_problems(page, ["/", f"/patients/{alice.patient_id}/appointments/"])

    assert problems == {}


def test_the_booking_pages_read_at_phone_width(
    page, live_server, alice, clinic, doctor, location, checkup, procedure
):
    long_names(doctor, checkup)
    clinician_make(clinic, "dr-eve", location)
    clinician_make(clinic, "dr-fay", second_location(clinic))
    MessagePool.objects.create(organization=clinic, name="Scheduling")
    coming = visit_at(alice, doctor, location, checkup, timezone.now() + dt.timedelta(days=5))
    patient = alice.patient_id
    book = reverse("appointments:book", args=[patient])
    week = f"{book}?visit={checkup.pk}&clinician={doctor.pk}"
    start = first_open_time(checkup, location, doctor)
    one = f"/patients/{patient}/appointments/{coming.pk}/"
    signed_in_page(page, live_server, alice)

    paths = [
        book,
        f"{book}?visit={checkup.pk}",
        f"{book}?visit={checkup.pk}&clinician=any",
        week,
        f"{reverse('appointments:book_confirm', args=[patient])}?visit={checkup.pk}"
        f"&clinician={doctor.pk}&start={start_value(start)}",
        one,
        f"{one}change/",
        f"{one}change/confirm/?start={start_value(start)}",
        f"{one}cancel/",
        reverse("appointments:request", args=[patient]),
    ]

    problems = page_problems(page, paths)

    assert problems == {}
    found, small = [], {}
    for path in paths:
        page.goto(path)
        found += axe_violations(page, path, "360px")
        if targets := page.evaluate(SMALL_TAP_TARGETS, TAP_TARGETS):
            small[path] = targets
    assert found == [] and small == {}, (found, small)


def first_open_time(visit_type, location, clinician) -> dt.datetime:
    """The first open time of the clinician from tomorrow (a weekday), computed the page's way."""
    day = timezone.now().astimezone(location.zone).date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=location.zone).astimezone(dt.UTC)
    assert free_clinicians(
        visit_type=visit_type, location=location, clinician_id=clinician.pk, starts_at=start
    )
    return start


def test_a_patient_books_downloads_moves_and_cancels_a_visit_at_phone_width(
    page, live_server, alice, doctor, location, checkup, smtp_server
):
    alice.email, alice.email_verified_at = "alice@example.org", timezone.now()
    alice.save(update_fields=["email", "email_verified_at"])
    signed_in_page(page, live_server, alice)
    page.goto(f"/patients/{alice.patient_id}/appointments/")
    page.get_by_role("link", name="Book an appointment").click()
    page.get_by_role("link", name="Check-up").click()
    # One clinician, one place: straight to the open times.
    page.get_by_role("heading", name="Choose a time", level=1).wait_for()
    page.get_by_role("link", name="Later week").click()
    page.get_by_role("heading", name="Choose a time", level=1).wait_for()
    page.get_by_test_id("open-time").first.click()
    page.get_by_role("button", name="Book this visit").click()
    page.get_by_text("The visit is booked.").wait_for()
    booked = Appointment.objects.get(patient=alice.patient)
    assert booked.status == AppointmentStatus.BOOKED

    # Home shows it as the next visit, and leads back to it.
    page.goto("/")
    next_visit = page.get_by_test_id("next-visit")
    next_visit.wait_for()
    assert "Check-up" in next_visit.inner_text()
    next_visit.get_by_role("link", name=clinic_time(booked)).click()
    page.get_by_role("heading", name="Check-up", level=1).wait_for()

    # Its one-day reminder falls due: two sweeps and two deliveries send one email.
    AppointmentReminder.objects.filter(appointment=booked, offset_minutes=24 * 60).update(
        due_at=timezone.now()
    )
    reminders_send_due()
    reminders_send_due()
    deliver_all()
    deliver_all()
    (reminder,) = smtp_server.messages
    assert smtp_server.envelopes[0][1] == ["alice@example.org"]
    assert clinic_time(booked) in reminder.get_content()

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar").click()
    assert download.value.suggested_filename == "appointment.ics"

    page.get_by_role("link", name="Change time").click()
    page.get_by_role("heading", name="Choose a new time").wait_for()
    # A week ahead, out of the 24 hours in which a visit cannot be changed online.
    page.get_by_role("link", name="Later week").click()
    page.get_by_role("heading", name="Choose a new time").wait_for()
    page.get_by_test_id("open-time").nth(3).click()
    page.get_by_role("button", name="Move the visit").click()
    page.get_by_text("The visit is moved to the new time.").wait_for()
    moved = Appointment.objects.get(rescheduled_from=booked)

    page.get_by_role("link", name="Cancel", exact=True).click()
    page.get_by_label("Why are you cancelling? (optional)").fill("Feeling better")
    page.get_by_role("button", name="Cancel the visit").click()
    page.get_by_text("The visit is cancelled.").wait_for()
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.CANCELLED
