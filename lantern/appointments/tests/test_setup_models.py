"""What a clinic sets up is checked where it is entered (the admin) and kept by the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lantern.appointments.models import (
    Appointment,
    ExceptionKind,
    Location,
    ScheduleException,
    VisitType,
    WeeklyHours,
)

from .conftest import at

pytestmark = pytest.mark.django_db


def test_a_location_needs_a_real_time_zone_name(clinic):
    location = Location(organization=clinic, name="Annex", time_zone="Eastern Standard Time")
    with pytest.raises(ValidationError, match="IANA name"):
        location.full_clean()
    location.time_zone = "America/Chicago"
    location.full_clean()


def test_weekly_hours_must_end_after_they_start(doctor, location):
    with pytest.raises(IntegrityError), transaction.atomic():
        WeeklyHours.objects.create(
            clinician=doctor,
            location=location,
            weekday=0,
            starts_at=dt.time(17),
            ends_at=dt.time(9),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WeeklyHours.objects.create(
            clinician=doctor,
            location=location,
            weekday=7,
            starts_at=dt.time(9),
            ends_at=dt.time(10),
        )


def test_extra_hours_need_a_location_and_exceptions_an_end_after_the_start(doctor):
    day = dt.date(2026, 1, 17)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleException.objects.create(
            clinician=doctor,
            kind=ExceptionKind.EXTRA_HOURS,
            starts_at=at(day, 9),
            ends_at=at(day, 12),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleException.objects.create(
            clinician=doctor, kind=ExceptionKind.BLOCKED, starts_at=at(day, 9), ends_at=at(day, 9)
        )


def test_a_visit_type_lasts_at_least_five_minutes(clinic):
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitType.objects.create(organization=clinic, name="Instant", length_minutes=0)


def test_the_admin_sets_up_schedules_but_never_shows_appointments():
    for model in (Location, VisitType, WeeklyHours, ScheduleException):
        assert model in admin.site._registry
    assert Appointment not in admin.site._registry
