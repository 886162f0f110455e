"""The appointments page and the home page's next visit at 360 x 740 in a real browser: one
heading, no sideways scroll, every control named, with long names and both lists filled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.audit.models import ActorRole
from lantern.testing.page_checks import page_problems, signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_appointments_pages_read_at_phone_width(
    page, live_server, alice, doctor, location, checkup
):
    doctor.first_name, doctor.last_name = "Maximiliana-Josephine", "Vanderberg-Oyelaran"
    doctor.save(update_fields=["first_name", "last_name"])
    checkup.name = "Comprehensive annual preventive medicine examination"
    checkup.patient_instructions = "Please bring a list of every medicine you take."
    checkup.save(update_fields=["name", "patient_instructions"])
    now = timezone.now()
    for days, status in ((2, AppointmentStatus.BOOKED), (-9, AppointmentStatus.COMPLETED)):
        start = now + dt.timedelta(days=days)
        Appointment.objects.create(
            patient=alice.patient,
            clinician=doctor,
            location=location,
            visit_type=checkup,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            status=status,
            booked_by_role=ActorRole.STAFF,
        )
    signed_in_page(page, live_server, alice)

    problems = page_problems(page, ["/", f"/patients/{alice.patient_id}/appointments/"])

    assert problems == {}
