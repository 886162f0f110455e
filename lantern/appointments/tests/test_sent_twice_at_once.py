"""A booking or a move sent twice at once (a double click) gives both sendings the one appointment.

The second sending can look for its appointment before the first has committed, then find the
time held by the first one's booking: that is not "just taken", it is its own booking. Here the
first sending commits, on its own connection, right between the second's two reads (when the
second checks the time is open), the interleaving a double click produced in the browser test.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection

from lantern.appointments import services
from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.appointments.services import appointment_book, appointment_reschedule
from lantern.testing.factories import PatientFactory, UserFactory

from .conftest import access_for, at, new_submission

WEDNESDAY = dt.date(2026, 1, 14)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("monday_morning")]


def first_sending_commits_meanwhile(monkeypatch, send: Callable[[], Appointment]) -> list:
    """When the second sending checks that its time is open, the first (`send`) runs to its
    commit on another connection. Returns what the first sending gave (after the second)."""
    real_require_open = services._require_open
    first: list = []

    def send_on_its_own_connection() -> None:
        try:
            first.append(send())
        except Exception as error:
            first.append(error)
        finally:
            connection.close()

    def require_open(*args, **kwargs) -> None:
        monkeypatch.setattr(services, "_require_open", real_require_open)
        thread = threading.Thread(target=send_on_its_own_connection)
        thread.start()
        thread.join(timeout=30)
        real_require_open(*args, **kwargs)

    monkeypatch.setattr(services, "_require_open", require_open)
    return first


@pytest.fixture
def patient_user(clinic):
    patient = PatientFactory(managing_organization=clinic)
    return UserFactory(username="double-clicker", patient=patient), patient


def test_a_booking_sent_twice_at_once_books_once(
    monkeypatch, patient_user, checkup, location, doctor
):
    user, patient = patient_user
    submission = new_submission()

    def send() -> Appointment:
        return appointment_book(
            access=access_for(user, patient),
            visit_type=checkup,
            location=location,
            clinician_id=doctor.pk,
            starts_at=at(WEDNESDAY, 9),
            submission_id=submission,
        )

    first = first_sending_commits_meanwhile(monkeypatch, send)
    second = send()

    (appointment,) = Appointment.objects.all()
    assert first == [appointment]
    assert second == appointment


def test_a_move_sent_twice_at_once_moves_once(monkeypatch, patient_user, checkup, location, doctor):
    user, patient = patient_user
    old = appointment_book(
        access=access_for(user, patient),
        visit_type=checkup,
        location=location,
        clinician_id=doctor.pk,
        starts_at=at(WEDNESDAY, 9),
        submission_id=new_submission(),
    )
    submission = new_submission()

    def send() -> Appointment:
        return appointment_reschedule(
            access=access_for(user, patient),
            appointment_id=old.pk,
            starts_at=at(WEDNESDAY, 14),
            submission_id=submission,
        )

    first = first_sending_commits_meanwhile(monkeypatch, send)
    second = send()

    new = Appointment.objects.get(status=AppointmentStatus.BOOKED)
    assert new.rescheduled_from_id == old.pk
    assert first == [new]
    assert second == new
    assert Appointment.objects.count() == 2
