"""Two reminder sweeps at once send every due reminder exactly once (issue 13, point 7).

Each sweep runs in its own thread with its own database connection. On PostgreSQL the first
claims its rows with SELECT ... FOR UPDATE SKIP LOCKED and the second takes the others; without
SKIP LOCKED (the second case) the conditional UPDATE alone decides. On SQLite one connection
writes at a time; the in-memory test database may refuse the second writer at once ("database
table is locked", see test_concurrent_booking.py): the reminder stays due for the next sweep,
and nothing is sent twice either.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
import time_machine
from django.db import OperationalError, connection

from lantern.appointments.models import Appointment, AppointmentReminder, ReminderStatus
from lantern.appointments.reminders import reminders_schedule, reminders_send_due
from lantern.audit.models import ActorRole
from lantern.notifications.models import Notification, NotificationKind
from lantern.testing.factories import PatientFactory, UserFactory

from .conftest import at, reachable

VISITS = 30
SWEEPS = 2
FRIDAY = dt.date(2026, 1, 23)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("monday_morning")]


def _visits(clinic, location, checkup, doctor) -> None:
    for number in range(VISITS):
        patient = PatientFactory(managing_organization=clinic)
        reachable(UserFactory(username=f"patient-{number}", patient=patient))
        start = at(FRIDAY, 9) + dt.timedelta(minutes=15 * number)
        appointment = Appointment.objects.create(
            patient=patient,
            clinician=doctor,
            location=location,
            visit_type=checkup,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=15),
            booked_by_role=ActorRole.STAFF,
        )
        reminders_schedule(appointment)


def _sweep_together() -> list[object]:
    start_together = threading.Barrier(SWEEPS)
    outcomes: list[object] = [None] * SWEEPS

    def sweep(index: int) -> None:
        try:
            start_together.wait(timeout=30)
            outcomes[index] = reminders_send_due()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    with time_machine.travel(at(FRIDAY, 8), tick=False):
        threads = [threading.Thread(target=sweep, args=(index,)) for index in range(SWEEPS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("skip_locked", [True, False], ids=["skip_locked", "update_alone"])
def test_two_sweeps_at_once_send_each_reminder_exactly_once(
    clinic, location, checkup, doctor, monkeypatch, skip_locked
):
    if not skip_locked:
        monkeypatch.setattr(type(connection.features), "has_select_for_update_skip_locked", False)
    _visits(clinic, location, checkup, doctor)

    outcomes = _sweep_together()

    sent = [outcome for outcome in outcomes if isinstance(outcome, int)]
    errors = [outcome for outcome in outcomes if not isinstance(outcome, int)]
    # A later sweep finds nothing left, except on SQLite, where a reminder whose write the
    # in-memory database refused at once ("table is locked") stays due for it.
    with time_machine.travel(at(FRIDAY, 8, 1), tick=False):
        left_for_later = reminders_send_due()
    if connection.vendor == "sqlite":
        assert all(isinstance(error, OperationalError) for error in errors), outcomes
    else:
        assert not errors, outcomes
        assert left_for_later == 0
    sent.append(left_for_later)
    # Three-day and one-day reminders by email for each visit; nobody chose texts.
    assert sum(sent) == 2 * VISITS
    keys = Counter(
        Notification.objects.filter(kind=NotificationKind.APPOINTMENT_REMINDER).values_list(
            "dedupe_key", flat=True
        )
    )
    assert len(keys) == 2 * VISITS
    assert set(keys.values()) == {1}
    assert not AppointmentReminder.objects.filter(status=ReminderStatus.PENDING).exists()
