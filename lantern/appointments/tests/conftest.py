"""A clinic set up for booking: one location in New York, a check-up patients may book, a
procedure they may not, and a doctor working Monday to Friday, 9:00 to 17:00 local time."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import pytest
import time_machine

from lantern.access.models import StaffRole
from lantern.access.policy import PatientAccess, patient_access
from lantern.appointments.models import Location, VisitType, WeeklyHours
from lantern.testing.factories import StaffMembershipFactory, UserFactory

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# A Monday, 8:00 in New York, before the doctor's first visit.
MONDAY_MORNING = dt.datetime(2026, 1, 12, 8, 0, tzinfo=NEW_YORK)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A local wall time in New York, as an aware datetime in UTC (as the database returns)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NEW_YORK).astimezone(dt.UTC)


def access_for(user, patient) -> PatientAccess:
    return patient_access(user, patient.pk, audit=False)


def clinician_make(clinic, username: str, location: Location | None = None):
    user = StaffMembershipFactory(
        user=UserFactory(username=username, is_staff=True),
        organization=clinic,
        role=StaffRole.CLINICIAN,
    ).user
    if location is not None:
        weekdays_nine_to_five(user, location)
    return user


def weekdays_nine_to_five(clinician, location: Location) -> None:
    WeeklyHours.objects.bulk_create(
        WeeklyHours(
            clinician=clinician,
            location=location,
            weekday=weekday,
            starts_at=dt.time(9),
            ends_at=dt.time(17),
        )
        for weekday in range(5)
    )


def new_submission() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def monday_morning():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


def location_make(clinic) -> Location:
    return Location.objects.create(
        organization=clinic,
        name="Riverside Main Street",
        address_line1="1 Main Street",
        city="Springfield",
        phone="555-0100",
        time_zone="America/New_York",
    )


def checkup_make(clinic) -> VisitType:
    """A 30-minute visit patients may book up to 30 days ahead and cancel until a day before."""
    return VisitType.objects.create(
        organization=clinic,
        name="Check-up",
        length_minutes=30,
        patients_may_book=True,
        booking_horizon_days=30,
        cancellation_cutoff_hours=24,
    )


@pytest.fixture
def location(clinic):
    return location_make(clinic)


@pytest.fixture
def checkup(clinic):
    return checkup_make(clinic)


@pytest.fixture
def procedure(clinic):
    return VisitType.objects.create(
        organization=clinic, name="Minor procedure", length_minutes=60, patients_may_book=False
    )


@pytest.fixture
def doctor(clinic, location):
    return clinician_make(clinic, "dr-dee", location)


def reachable(user, *, mobile: str | None = None, texts: bool = False):
    """Give an account a confirmed email address and, with `mobile`, a proven mobile number;
    with `texts`, it chooses text messages as well as email for appointment notices."""
    from django.utils import timezone

    from lantern.notifications.models import NotificationEvent
    from lantern.notifications.preferences import preferences_set
    from lantern.testing.factories_mfa import SmsDeviceFactory

    user.email = user.email or f"{user.username}@example.org"
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email", "email_verified_at"])
    if mobile:
        user.phone = mobile
        user.save(update_fields=["phone"])
        SmsDeviceFactory(user=user, phone=mobile)
    if texts:
        preferences_set(
            user,
            {
                NotificationEvent.APPOINTMENT_REMINDER: (True, True),
                NotificationEvent.WAITLIST_OFFER: (True, True),
            },
        )
    return user
