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
    Appointment,
    ExceptionKind,
    Location,
    ScheduleException,
    VisitType,
    WeeklyHours,
    starting_near,
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
    hours = WeeklyHours.objects.filter(location=location)
    extra = ScheduleException.objects.filter(
        location=location,
        kind=ExceptionKind.EXTRA_HOURS,
        starts_at__lt=window_end,
        ends_at__gt=window_start,
    )
    if clinician_id is not None:
        hours = hours.filter(clinician_id=clinician_id)
        extra = extra.filter(clinician_id=clinician_id)
    by_weekday: dict[int, list[WeeklyHours]] = defaultdict(list)
    for row in hours.only("clinician_id", "weekday", "starts_at", "ends_at"):
        by_weekday[row.weekday].append(row)
    windows: dict[int, list[Interval]] = defaultdict(list)
    for offset in range(days):
        day = start_date + dt.timedelta(days=offset)
        for row in by_weekday[day.weekday()]:
            # Local wall times on that date, in that date's offset (zoneinfo picks it).
            opens = dt.datetime.combine(day, row.starts_at, tzinfo=zone).astimezone(dt.UTC)
            closes = dt.datetime.combine(day, row.ends_at, tzinfo=zone).astimezone(dt.UTC)
            windows[row.clinician_id].append((opens, closes))
    for row in extra.only("clinician_id", "starts_at", "ends_at"):
        windows[row.clinician_id].append((row.starts_at, row.ends_at))
    return windows


def _busy_intervals(
    location: Location,
    clinician_id: int | None,
    window_start: dt.datetime,
    window_end: dt.datetime,
    ignoring_appointment: uuid.UUID | None,
) -> dict[int, list[Interval]]:
    """Time off and live appointments of the clinicians who could work here (two queries)."""
    if clinician_id is not None:
        who = Q(clinician_id=clinician_id)
    else:
        who = Q(
            clinician_id__in=WeeklyHours.objects.filter(location=location).values("clinician_id")
        ) | Q(
            clinician_id__in=ScheduleException.objects.filter(
                location=location, kind=ExceptionKind.EXTRA_HOURS
            ).values("clinician_id")
        )
    overlapping = Q(starts_at__lt=window_end, ends_at__gt=window_start)
    busy: dict[int, list[Interval]] = defaultdict(list)
    time_off = ScheduleException.objects.filter(who, overlapping).exclude(
        kind=ExceptionKind.EXTRA_HOURS
    )
    appointments = Appointment.objects.filter(
        who, starting_near(window_start, window_end), status__in=LIVE_STATUSES
    )
    if ignoring_appointment is not None:
        appointments = appointments.exclude(pk=ignoring_appointment)
    for queryset in (time_off, appointments):
        for clinician, starts_at, ends_at in queryset.values_list(
            "clinician_id", "starts_at", "ends_at"
        ):
            busy[clinician].append((starts_at, ends_at))
    return busy


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
    now = now or timezone.now()
    listed = appointments_for_patient(access)
    coming = Q(starts_at__gte=now, status__in=LIVE_STATUSES)
    return PatientAppointments(
        upcoming=list(listed.filter(coming).order_by("starts_at", "pk")[:APPOINTMENTS_LISTED]),
        past=list(listed.exclude(coming).order_by("-starts_at", "pk")[:APPOINTMENTS_LISTED]),
    )


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
