"""Twenty people book one time at once: exactly one gets it, the others hear it was just taken.

Each booking runs in its own thread with its own database connection, so the race is real: on
PostgreSQL the exclusion constraint decides it; on SQLite one connection writes at a time (the
immediate transactions of config/settings.py) and the trigger refuses the later ones.

The SQLite test database lives in memory with a shared cache, where a writer that finds the
table locked fails at once ("database table is locked") instead of waiting out the busy
timeout as it does on the database file Lantern runs on. There the test asks for what matters:
one appointment, and every other booking refused.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import OperationalError, connection

from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.appointments.services import SlotTaken, appointment_book
from lantern.testing.factories import PatientFactory, UserFactory

from .conftest import access_for, at, new_submission

BOOKERS = 20
WEDNESDAY = dt.date(2026, 1, 14)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("monday_morning")]


def _race(patients_and_users, *, checkup, location, doctor) -> list[object]:
    start_together = threading.Barrier(len(patients_and_users))
    outcomes: list[object] = [None] * len(patients_and_users)

    def book(index: int, user, patient) -> None:
        try:
            access = access_for(user, patient)
            start_together.wait(timeout=30)
            outcomes[index] = appointment_book(
                access=access,
                visit_type=checkup,
                location=location,
                clinician_id=doctor.pk,
                starts_at=at(WEDNESDAY, 9),
                submission_id=new_submission(),
            )
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=book, args=(index, user, patient))
        for index, (user, patient) in enumerate(patients_and_users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("check_first", [True, False], ids=["service", "database_alone"])
def test_twenty_bookings_of_one_time_at_once_make_one_appointment(
    clinic, checkup, location, doctor, monkeypatch, check_first
):
    if not check_first:
        # Every booking passes the open-time check, as if all read the page at once: only the
        # database's refusal (constraint or trigger) stands between them.
        monkeypatch.setattr(
            "lantern.appointments.services._require_open", lambda *args, **kwargs: None
        )
    bookers = []
    for number in range(BOOKERS):
        patient = PatientFactory(managing_organization=clinic)
        bookers.append((UserFactory(username=f"booker-{number}", patient=patient), patient))
    outcomes = _race(bookers, checkup=checkup, location=location, doctor=doctor)

    booked = [outcome for outcome in outcomes if isinstance(outcome, Appointment)]
    taken = [outcome for outcome in outcomes if isinstance(outcome, SlotTaken)]
    assert len(booked) == 1, outcomes
    if connection.vendor == "sqlite":
        locked = [error for error in outcomes if isinstance(error, OperationalError)]
        assert all("locked" in str(error) for error in locked)
        assert len(taken) + len(locked) == BOOKERS - 1, outcomes
    else:
        assert len(taken) == BOOKERS - 1, outcomes
    assert all(error.next_open_times for error in taken)
    assert all(error.next_open_times[0].starts_at == at(WEDNESDAY, 9, 30) for error in taken)
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1
