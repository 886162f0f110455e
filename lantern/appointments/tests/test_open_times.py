"""Open times: weekly hours in the location's local time, across daylight-saving changes, minus
exceptions, appointments, the past and the booking horizon, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import itertools
from urllib.parse import quote, unquote

import pytest
import time_machine

from lantern.appointments.booking.times import start_in_query, start_parse, start_value
from lantern.appointments.models import (
    Appointment,
    AppointmentStatus,
    ExceptionKind,
    ScheduleException,
)
from lantern.appointments.selectors import open_times
from lantern.audit.models import ActorRole

from .conftest import NEW_YORK, at, clinician_make

MONDAY = dt.date(2026, 1, 12)
SLOTS_PER_DAY = 16  # 9:00 to 17:00 in half hours


def starts(times) -> list[dt.datetime]:
    return [time.starts_at for time in times]


def week(checkup, location, start_date=MONDAY, **kwargs):
    return open_times(visit_type=checkup, location=location, start_date=start_date, **kwargs)


def booked(patient, clinician, location, visit_type, start, minutes=30, **fields) -> Appointment:
    return Appointment(
        patient=patient,
        clinician=clinician,
        location=location,
        visit_type=visit_type,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        booked_by_role=ActorRole.STAFF,
        **fields,
    )


@pytest.mark.usefixtures("monday_morning")
def test_a_week_of_weekday_hours_on_the_visit_length_grid(checkup, location, doctor):
    times = week(checkup, location, clinician_id=doctor.pk)
    assert len(times) == 5 * SLOTS_PER_DAY
    assert times[0].starts_at == at(MONDAY, 9, 0)
    assert times[0].ends_at == at(MONDAY, 9, 30)
    assert times[-1].starts_at == at(MONDAY + dt.timedelta(days=4), 16, 30)
    assert all(time.clinician_ids == (doctor.pk,) for time in times)


@pytest.mark.parametrize(
    ("today", "before", "after"),
    [
        # Clocks go forward on Sunday 8 March 2026: 9:00 is 14:00 UTC before, 13:00 after.
        (dt.date(2026, 3, 5), dt.date(2026, 3, 6), dt.date(2026, 3, 9)),
        # And back on Sunday 1 November 2026: 9:00 is 13:00 UTC before, 14:00 after.
        (dt.date(2026, 10, 29), dt.date(2026, 10, 30), dt.date(2026, 11, 2)),
    ],
)
def test_nine_oclock_stays_nine_oclock_across_a_daylight_saving_change(
    checkup, location, doctor, today, before, after
):
    with time_machine.travel(dt.datetime.combine(today, dt.time(7), tzinfo=NEW_YORK), tick=False):
        times = week(checkup, location, start_date=today, clinician_id=doctor.pk)
    local_starts = [time.starts_at.astimezone(NEW_YORK) for time in times]
    for day in (today, before, after):
        of_day = [start for start in local_starts if start.date() == day]
        assert len(of_day) == SLOTS_PER_DAY
        assert (of_day[0].hour, of_day[0].minute) == (9, 0)
        assert (of_day[-1].hour, of_day[-1].minute) == (16, 30)
    utc_hours = {
        day: next(t.starts_at for t in times if t.starts_at.astimezone(NEW_YORK).date() == day)
        .astimezone(dt.UTC)
        .hour
        for day in (before, after)
    }
    assert utc_hours[before] != utc_hours[after]
    assert abs(utc_hours[before] - utc_hours[after]) == 1


@pytest.mark.usefixtures("monday_morning")
def test_time_off_takes_times_away_and_extra_hours_add_them(checkup, location, doctor):
    tuesday, saturday = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=5)
    ScheduleException.objects.bulk_create(
        [
            ScheduleException(
                clinician=doctor,
                kind=ExceptionKind.HOLIDAY,
                starts_at=at(tuesday, 0),
                ends_at=at(tuesday + dt.timedelta(days=1), 0),
            ),
            # Blocked time at no particular location applies here too.
            ScheduleException(
                clinician=doctor,
                kind=ExceptionKind.BLOCKED,
                starts_at=at(MONDAY, 10, 0),
                ends_at=at(MONDAY, 11, 0),
            ),
            ScheduleException(
                clinician=doctor,
                location=location,
                kind=ExceptionKind.EXTRA_HOURS,
                starts_at=at(saturday, 9, 0),
                ends_at=at(saturday, 11, 0),
            ),
        ]
    )
    times = starts(week(checkup, location, clinician_id=doctor.pk))
    assert not [start for start in times if start.astimezone(NEW_YORK).date() == tuesday]
    assert at(MONDAY, 10, 0) not in times
    assert at(MONDAY, 10, 30) not in times
    assert at(MONDAY, 11, 0) in times
    saturday_times = [start for start in times if start.astimezone(NEW_YORK).date() == saturday]
    assert saturday_times == [
        at(saturday, 9, 0),
        at(saturday, 9, 30),
        at(saturday, 10),
        at(saturday, 10, 30),
    ]


@pytest.mark.usefixtures("monday_morning")
def test_a_live_appointment_of_another_length_takes_every_time_it_overlaps(
    alice, checkup, procedure, location, doctor
):
    booked(alice.patient, doctor, location, procedure, at(MONDAY, 9, 15), 60).save()
    booked(
        alice.patient,
        doctor,
        location,
        checkup,
        at(MONDAY, 12, 0),
        status=AppointmentStatus.CANCELLED,
    ).save()
    times = starts(week(checkup, location, clinician_id=doctor.pk))
    for taken in (at(MONDAY, 9, 0), at(MONDAY, 9, 30), at(MONDAY, 10, 0)):
        assert taken not in times
    assert at(MONDAY, 10, 30) in times
    assert at(MONDAY, 12, 0) in times


def test_times_in_the_past_and_beyond_the_booking_horizon_are_not_offered(
    checkup, location, doctor
):
    checkup.booking_horizon_days = 2
    checkup.save()
    now = dt.datetime.combine(MONDAY, dt.time(10, 5), tzinfo=NEW_YORK)
    with time_machine.travel(now, tick=False):
        times = starts(week(checkup, location, clinician_id=doctor.pk))
    assert times[0] == at(MONDAY, 10, 30)
    assert times[-1] <= now + dt.timedelta(days=2)
    assert times[-1] == at(MONDAY + dt.timedelta(days=2), 10, 0)


@pytest.mark.usefixtures("monday_morning")
def test_first_available_lists_who_is_free_at_each_time(alice, clinic, checkup, location, doctor):
    other = clinician_make(clinic, "dr-other", location)
    booked(alice.patient, doctor, location, checkup, at(MONDAY, 9, 0)).save()
    times = {time.starts_at: time.clinician_ids for time in week(checkup, location)}
    assert times[at(MONDAY, 9, 0)] == (other.pk,)
    assert times[at(MONDAY, 9, 30)] == tuple(sorted((doctor.pk, other.pk)))


def _clinic_with(clinic, location, patient, visit_type, *, clinicians: int, appointments: int):
    staff = [clinician_make(clinic, f"dr-{n}", location) for n in range(clinicians)]
    slots = [at(MONDAY + dt.timedelta(days=day), 9) for day in range(5)]
    grid = [start + dt.timedelta(minutes=15 * step) for start in slots for step in range(32)]
    rows = itertools.islice(
        ((clinician, start) for start in grid for clinician in staff), appointments
    )
    Appointment.objects.bulk_create(
        booked(patient, clinician, location, visit_type, start, 15) for clinician, start in rows
    )
    assert Appointment.objects.count() == appointments


@pytest.mark.usefixtures("monday_morning")
@pytest.mark.parametrize(("clinicians", "appointments"), [(1, 10), (30, 500)])
def test_a_week_of_open_times_costs_four_queries(
    django_assert_num_queries, alice, clinic, location, checkup, clinicians, appointments
):
    _clinic_with(
        clinic, location, alice.patient, checkup, clinicians=clinicians, appointments=appointments
    )
    with django_assert_num_queries(4):
        times = week(checkup, location)
    assert times
    with django_assert_num_queries(4):
        week(checkup, location, clinician_id=None, start_date=MONDAY + dt.timedelta(days=1))


@pytest.mark.parametrize(
    "starts_at",
    [
        dt.datetime(2026, 1, 12, 14, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 8, 6, 30, tzinfo=NEW_YORK),  # The morning the clocks go forward.
        dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
    ],
)
def test_a_start_goes_in_a_query_string_as_quote_writes_it(starts_at):
    # The week's links quote each start cheaply (`start_in_query`), as the general quote would.
    value = start_value(starts_at)
    assert start_in_query(value) == quote(value, safe="")
    assert start_parse(unquote(start_in_query(value))) == starts_at
