"""Helpers for the staff console's schedule tests: signed-in clients and visits booked straight
into the database (the pages read them). Each test module makes its own fixtures of them."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.audit.models import ActorRole
from lantern.testing.auth import sign_in
from lantern.testing.crawl import clinic_administrator_of

WEDNESDAY = dt.date(2026, 1, 14)


def signed_in(user) -> Client:
    return sign_in(Client(), user)


def administrator_of(clinic):
    """An administrator of the clinic: manages the schedule setup."""
    return clinic_administrator_of(clinic)


def visit_make(patient, clinician, location, visit_type, starts_at, **fields) -> Appointment:
    """A visit written straight to the table, as the services would leave it."""
    return Appointment.objects.create(
        patient=patient,
        clinician=clinician,
        location=location,
        visit_type=visit_type,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=visit_type.length_minutes),
        booked_by_role=ActorRole.STAFF,
        status=fields.pop("status", AppointmentStatus.BOOKED),
        **fields,
    )
