"""The demo clinic can take bookings from the first run: a location, visit types and the demo
doctor's hours, made once."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from lantern.accounts.models import User
from lantern.appointments.models import (
    Appointment,
    BookingTicket,
    BookingTicketStatus,
    Location,
    VisitType,
    WeeklyHours,
)
from lantern.appointments.selectors import open_times

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def schedule_rows() -> list[tuple]:
    return [
        *Location.objects.values_list("id", "name", "time_zone", "updated_at"),
        *VisitType.objects.values_list("id", "name", "patients_may_book", "updated_at"),
        *WeeklyHours.objects.values_list("id", "weekday", "starts_at", "ends_at"),
    ]


@pytest.mark.usefixtures("var_dir")
def test_the_demo_doctor_has_open_times_from_today_and_a_rerun_adds_nothing():
    call_command("load_demo", stdout=io.StringIO())
    first = schedule_rows()
    call_command("load_demo", stdout=io.StringIO())
    assert schedule_rows() == first

    location = Location.objects.get()
    assert location.time_zone == "America/New_York"
    assert VisitType.objects.filter(organization=location.organization).count() == 2
    bookable = VisitType.objects.get(patients_may_book=True)
    doctor = User.objects.get(username="demo-doctor")
    assert WeeklyHours.objects.filter(clinician=doctor).count() == 5
    today = timezone.now().astimezone(location.zone).date()
    times = open_times(visit_type=bookable, location=location, start_date=today)
    assert times
    assert all(time.clinician_ids == (doctor.pk,) for time in times)


@pytest.mark.usefixtures("var_dir")
def test_the_demo_patient_has_one_coming_visit_on_a_weekday_at_ten_clinic_time():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    patient = User.objects.get(username="demo-patient").patient
    (visit,) = Appointment.objects.filter(patient=patient)
    local = visit.starts_at.astimezone(visit.location.zone)
    assert visit.starts_at > timezone.now()
    assert (local.weekday() < 5, local.hour, local.minute) == (True, 10, 0)
    assert visit.clinician.username == "demo-doctor"


@pytest.mark.usefixtures("var_dir")
def test_the_demo_patient_is_invited_once_to_book_the_minor_procedure():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    patient = User.objects.get(username="demo-patient").patient
    (ticket,) = BookingTicket.objects.filter(patient=patient)
    assert (ticket.visit_type.name, ticket.visit_type.patients_may_book) == (
        "Minor procedure",
        False,
    )
    assert ticket.status == BookingTicketStatus.OPEN
    assert ticket.earliest_on > timezone.localdate() - dt.timedelta(days=1)
