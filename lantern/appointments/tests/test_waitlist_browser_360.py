"""The waitlist's offer page at 360 x 740 in a real browser: one heading, no sideways scroll,
every control named and large enough, with long names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lantern.appointments.models import Appointment, WaitlistEntry, WaitlistOffer
from lantern.audit.models import ActorRole
from lantern.testing.page_checks import page_problems, signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_offer_page_reads_at_phone_width(page, live_server, alice, doctor, location, checkup):
    doctor.first_name, doctor.last_name = "Maximiliana-Josephine", "Vanderberg-Oyelaran"
    doctor.save(update_fields=["first_name", "last_name"])
    location.name = "Riverside Family Clinic at the Old Mill on Main Street"
    location.save(update_fields=["name"])
    starts_at = (timezone.now() + dt.timedelta(days=7)).replace(second=0, microsecond=0)
    appointment = Appointment.objects.create(
        patient=alice.patient,
        clinician=doctor,
        location=location,
        visit_type=checkup,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=30),
        booked_by_role=ActorRole.STAFF,
    )
    offer = WaitlistOffer.objects.create(
        entry=WaitlistEntry.objects.create(appointment=appointment),
        clinician=doctor,
        location=location,
        starts_at=starts_at - dt.timedelta(days=5),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    signed_in_page(page, live_server, alice)

    path = f"/patients/{alice.patient_id}/appointments/offers/{offer.pk}/"
    problems = page_problems(page, [path])

    assert problems == {}
    page.goto(live_server.url + path)
    accept = page.get_by_role("button", name="Accept this time")
    accept.wait_for()
    assert page.get_by_role("button", name="No thanks").is_visible()
