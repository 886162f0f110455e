"""Reads for appointments: the open times a visit can be booked at, and a patient's visits.

Open times are computed, never stored: a clinician's weekly hours at the location (local wall
times in the location's zone, turned into instants day by day, so 9:00 stays 9:00 on both sides
of a daylight-saving change) plus extra hours, minus blocked time and holidays, minus the
clinician's live appointments anywhere, minus the past and what lies beyond the visit type's
booking horizon. Slots start on a grid of the visit's length from the start of each window.
Four queries, however many clinicians or appointments.
"""

from __future__ import annotations

import bisect
import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from lantern.access.policy import PatientAccess, access_template, access_values
from lantern.audit.models import ActorRole
from lantern.core.statements import Statement, param_for

from .models import (
    LIVE_STATUSES,
    LONGEST_VISIT,
    Appointment,
    ExceptionKind,
    Location,
    ScheduleException,
    VisitType,
    WeeklyHours,
)

WEEK_DAYS = 7

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class OpenTime:
    """A start time a visit may be booked at, and the clinicians free then (by user id)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    clinician_ids: tuple[int, ...]


def open_times(
    *,
    visit_type: VisitType,
    location: Location,
    start_date: dt.date,
    clinician_id: int | None = None,
    days: int = WEEK_DAYS,
    ignoring_appointment: uuid.UUID | None = None,
    horizon_ends: dt.datetime | None = None,
) -> list[OpenTime]:
    """The free start times for `visit_type` at `location` for `days` days from `start_date`
    (a local date at the location), for one clinician or, without `clinician_id`, for every
    clinician who works there ("first available": each time lists who is free).

    `ignoring_appointment` counts that appointment's time as free (moving a visit to a time
    that overlaps its old one). `horizon_ends` replaces the visit type's booking horizon (a
    booking invitation's last day).
    """
    zone = location.zone
    window_start = dt.datetime.combine(start_date, dt.time.min, tzinfo=zone)
    window_end = dt.datetime.combine(start_date + dt.timedelta(days=days), dt.time.min, tzinfo=zone)
    now = timezone.now()
    earliest = max(now, window_start)
    latest_start = horizon_ends or now + dt.timedelta(days=visit_type.booking_horizon_days)
    length = dt.timedelta(minutes=visit_type.length_minutes)

    working = _working_windows(location, clinician_id, start_date, days, window_start, window_end)
    busy = _busy_intervals(location, clinician_id, window_start, window_end, ignoring_appointment)
    free_by_start: dict[dt.datetime, list[int]] = defaultdict(list)
    for clinician, windows in working.items():
        clinician_busy = sorted(busy.get(clinician, []))
        busy_starts = [start for start, _ in clinician_busy]
        for opens, closes in windows:
            slot = opens
            while slot + length <= closes:
                if earliest <= slot <= latest_start and not _overlaps(
                    clinician_busy, busy_starts, slot, slot + length
                ):
                    free_by_start[slot].append(clinician)
                slot += length
    return [
        OpenTime(starts_at=start, ends_at=start + length, clinician_ids=tuple(sorted(set(ids))))
        for start, ids in sorted(free_by_start.items())
    ]


def _working_windows(
    location: Location,
    clinician_id: int | None,
    start_date: dt.date,
    days: int,
    window_start: dt.datetime,
    window_end: dt.datetime,
) -> dict[int, list[Interval]]:
    """Each clinician's working windows at the location, as UTC instants (two queries)."""
    zone = location.zone
    shape = (clinician_id is not None,)
    values = _window_values(location, clinician_id, window_start, window_end)
    by_weekday: dict[int, list[tuple[int, dt.time, dt.time]]] = defaultdict(list)
    for clinician, weekday, starts_at, ends_at in _WEEKLY_HOURS.tuples(shape, **values):
        by_weekday[weekday].append((clinician, starts_at, ends_at))
    windows: dict[int, list[Interval]] = defaultdict(list)
    for offset in range(days):
        day = start_date + dt.timedelta(days=offset)
        for clinician, starts_at, ends_at in by_weekday[day.weekday()]:
            # Local wall times on that date, in that date's offset (zoneinfo picks it).
            opens = dt.datetime.combine(day, starts_at, tzinfo=zone).astimezone(dt.UTC)
            closes = dt.datetime.combine(day, ends_at, tzinfo=zone).astimezone(dt.UTC)
            windows[clinician].append((opens, closes))
    for clinician, starts_at, ends_at in _EXTRA_HOURS.tuples(shape, **values):
        windows[clinician].append((starts_at, ends_at))
    return windows


def _busy_intervals(
    location: Location,
    clinician_id: int | None,
    window_start: dt.datetime,
    window_end: dt.datetime,
    ignoring_appointment: uuid.UUID | None,
) -> dict[int, list[Interval]]:
    """Time off and live appointments of the clinicians who could work here (two queries)."""
    by_clinician = clinician_id is not None
    values = _window_values(location, clinician_id, window_start, window_end)
    values["ignoring"] = ignoring_appointment
    busy: dict[int, list[Interval]] = defaultdict(list)
    for clinician, starts_at, ends_at in (
        *_TIME_OFF.tuples((by_clinician,), **values),
        *_LIVE_APPOINTMENTS.tuples((by_clinician, ignoring_appointment is not None), **values),
    ):
        busy[clinician].append((starts_at, ends_at))
    return busy


def _window_values(
    location: Location,
    clinician_id: int | None,
    window_start: dt.datetime,
    window_end: dt.datetime,
) -> dict[str, object]:
    return {
        "location": location.pk,
        "clinician": clinician_id,
        "window_start": window_start,
        "window_end": window_end,
        "window_earliest": window_start - LONGEST_VISIT,
    }


# The four queries of the open times, built once per process (lantern/core/statements.py): their
# shape is whether one clinician is asked for (and, for the appointments, whether one of them
# counts as free); the place, the clinician, the window and that appointment are values.


def _weekly_hours(by_clinician: bool) -> QuerySet:
    hours = WeeklyHours.objects.filter(location=param_for(WeeklyHours, "location"))
    if by_clinician:
        hours = hours.filter(clinician=param_for(WeeklyHours, "clinician"))
    return hours.values_list("clinician_id", "weekday", "starts_at", "ends_at")


def _extra_hours(by_clinician: bool) -> QuerySet:
    extra = ScheduleException.objects.filter(
        location=param_for(ScheduleException, "location"),
        kind=ExceptionKind.EXTRA_HOURS,
        starts_at__lt=param_for(ScheduleException, "starts_at", "window_end"),
        ends_at__gt=param_for(ScheduleException, "ends_at", "window_start"),
    )
    if by_clinician:
        extra = extra.filter(clinician=param_for(ScheduleException, "clinician"))
    return extra.values_list("clinician_id", "starts_at", "ends_at")


def _who(by_clinician: bool) -> Q:
    """The clinicians whose busy time counts: the one asked for, or anyone who works here."""
    if by_clinician:
        return Q(clinician_id=param_for(Appointment, "clinician"))
    location = param_for(WeeklyHours, "location")
    return Q(
        clinician_id__in=WeeklyHours.objects.filter(location=location).values("clinician_id")
    ) | Q(
        clinician_id__in=ScheduleException.objects.filter(
            location=location, kind=ExceptionKind.EXTRA_HOURS
        ).values("clinician_id")
    )


def _overlapping(model: type[Appointment] | type[ScheduleException]) -> Q:
    return Q(
        starts_at__lt=param_for(model, "starts_at", "window_end"),
        ends_at__gt=param_for(model, "ends_at", "window_start"),
    )


def _time_off(by_clinician: bool) -> QuerySet:
    return (
        ScheduleException.objects.filter(_who(by_clinician), _overlapping(ScheduleException))
        .exclude(kind=ExceptionKind.EXTRA_HOURS)
        .values_list("clinician_id", "starts_at", "ends_at")
    )


def _live_appointments(by_clinician: bool, ignoring: bool) -> QuerySet:
    appointments = Appointment.objects.filter(
        _who(by_clinician),
        _overlapping(Appointment),
        # No visit lasts longer than LONGEST_VISIT: its start bounds the index search both ways.
        starts_at__gt=param_for(Appointment, "starts_at", "window_earliest"),
        status__in=LIVE_STATUSES,
    )
    if ignoring:
        appointments = appointments.exclude(pk=param_for(Appointment, "id", "ignoring"))
    return appointments.values_list("clinician_id", "starts_at", "ends_at")


_WEEKLY_HOURS = Statement(_weekly_hours)
_EXTRA_HOURS = Statement(_extra_hours)
_TIME_OFF = Statement(_time_off)
_LIVE_APPOINTMENTS = Statement(_live_appointments)


def _overlaps(
    busy: list[Interval], busy_starts: list[dt.datetime], start: dt.datetime, end: dt.datetime
) -> bool:
    # Busy intervals are sorted by start and may be long (a holiday) or nested; look at those
    # starting before `end` (bisect) and test whether any ends after `start`. Few per slot.
    stop = bisect.bisect_left(busy_starts, end)
    return any(busy_end > start for _, busy_end in busy[:stop])


# The patient's page lists at most this many upcoming and this many past visits.
APPOINTMENTS_LISTED = 25


@dataclass(frozen=True)
class PatientAppointments:
    upcoming: list[Appointment]
    past: list[Appointment]


def patient_appointments(
    *, access: PatientAccess, now: dt.datetime | None = None
) -> PatientAppointments:
    """The patient's coming visits, soonest first, and their past and cancelled ones, latest
    first: two bounded queries whatever the number of appointments."""
    values = {**access_values(access), "now": now or timezone.now()}
    return PatientAppointments(
        upcoming=_UPCOMING.objects(**values),
        past=_PAST.objects(**values),
    )


def _listed(upcoming: bool) -> QuerySet[Appointment]:
    listed = appointments_for_patient(access_template(ActorRole.SELF))
    coming = Q(starts_at__gte=param_for(Appointment, "starts_at", "now"), status__in=LIVE_STATUSES)
    if upcoming:
        return listed.filter(coming).order_by("starts_at", "pk")[:APPOINTMENTS_LISTED]
    return listed.exclude(coming).order_by("-starts_at", "pk")[:APPOINTMENTS_LISTED]


# The appointments page's two lists, built once per process (lantern/core/statements.py).
_UPCOMING = Statement(lambda: _listed(True))
_PAST = Statement(lambda: _listed(False))


# The home page's next visit, built once per process (lantern/core/statements.py).
_NEXT_APPOINTMENT = Statement(
    lambda: (
        appointments_for_patient(access_template(ActorRole.SELF))
        .filter(starts_at__gte=param_for(Appointment, "starts_at", "now"), status__in=LIVE_STATUSES)
        .order_by("starts_at", "pk")[:1]
    )
)


def next_appointment(*, access: PatientAccess) -> Appointment | None:
    """The patient's next live visit, for the home page (one query)."""
    found = _NEXT_APPOINTMENT.objects(**access_values(access), now=timezone.now())
    return found[0] if found else None


def appointments_for_patient(access: PatientAccess) -> QuerySet[Appointment]:
    """The patient's appointments, soonest first, with what a list shows about each."""
    return records_for_appointments(access).select_related("clinician", "location", "visit_type")


def records_for_appointments(access: PatientAccess) -> QuerySet[Appointment]:
    """The appointments of the patient this access was granted for."""
    return Appointment.objects.filter(patient=access.patient)
