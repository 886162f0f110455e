"""Helpers of the patient booking tests: reading a page, booking through the pages, a second
clinician and place (fixtures of the clinic itself are in conftest.py)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.test import Client
from django.urls import reverse

from lantern.appointments.booking import start_value
from lantern.appointments.models import Appointment, Location
from lantern.audit.models import ActorRole


def book_url(patient, **params) -> str:
    path = reverse("appointments:book", args=[patient.pk])
    return path + (
        "?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else ""
    )


def confirm_url(patient, visit_type, starts_at: dt.datetime, clinician="any", place=None) -> str:
    params = {"visit": visit_type.pk, "clinician": getattr(clinician, "pk", clinician)}
    if place is not None:
        params["place"] = place.pk
    params["start"] = start_value(starts_at)
    path = reverse("appointments:book_confirm", args=[patient.pk])
    return path + "?" + "&".join(f"{key}={value}" for key, value in params.items())


def html(response) -> str:
    return response.content.decode()


def confirm(client: Client, url: str, submission_id: uuid.UUID | None = None):
    return client.post(url, {"submission_id": str(submission_id or uuid.uuid4())})


def booked_visit(patient, clinician, location, visit_type, start, **fields) -> Appointment:
    return Appointment.objects.create(
        patient=patient,
        clinician=clinician,
        location=location,
        visit_type=visit_type,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=visit_type.length_minutes),
        booked_by_role=ActorRole.STAFF,
        **fields,
    )


def second_location(clinic) -> Location:
    return Location.objects.create(
        organization=clinic,
        name="Hillside Annex",
        address_line1="9 Hill Road",
        city="Springfield",
        phone="555-0199",
        time_zone="America/New_York",
    )
