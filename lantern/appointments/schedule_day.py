"""The day of one clinician or one place at a clinic, for the staff console's day view: the
visits in time order, each in its place's zone, and the free time left.

Takes a `policy.ClinicSchedule` and never reaches outside its organization. The read is audited
through `ClinicSchedule.read_record` (one event per patient shown, one insert).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import ExpressionList
from django.utils import dateformat, timezone

from lantern.access.policy import ClinicSchedule
from lantern.core.statements import Statement, param_for

from .models import (
    LIVE_STATUSES,
    LONGEST_VISIT,
    Appointment,
    AppointmentStatus,
    ExceptionKind,
    Location,
    ScheduleException,
    WeeklyHours,
)
from .schedule import TIME_FORMAT, ZONE_FORMAT, clinician_name

# A day view lists at most this many visits (a busy place's day is far fewer).
DAY_ROWS_LIMIT = 300

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class DayRow:
    """One visit of the day, its times already in its place's zone."""

    appointment: Appointment
    starts: str
    ends: str
    zone: str

    @property
    def may_mark_arrived(self) -> bool:
        return self.appointment.status == AppointmentStatus.BOOKED

    @property
    def may_mark_completed(self) -> bool:
        return self.appointment.status == AppointmentStatus.ARRIVED


@dataclass(frozen=True)
class OpenLeft:
    """The time a clinician still has free at a place that day, as local ranges."""

    clinician: str
    location: str
    ranges: list[str]


@dataclass(frozen=True)
class DaySchedule:
    day: dt.date
    rows: list[DayRow]
    open_left: list[OpenLeft]
    previous_day: dt.date
    next_day: dt.date
    # Whether the list was cut at DAY_ROWS_LIMIT.
    cut: bool


def schedule_day(
    schedule: ClinicSchedule,
    *,
    day: dt.date,
    clinician: Any | None = None,
    location: Location | None = None,
    now: dt.datetime | None = None,
) -> DaySchedule:
    """One clinician's or one place's day at the clinic: its visits in time order (cancelled
    ones left out) and the free time left, each in its place's zone. The read is audited: one
    event per patient shown. The same handful of queries whatever the number of visits or of
    clinicians."""
    now = now or timezone.now()
    # The widest UTC span a local day can cover (zones run from UTC-12 to UTC+14).
    span_start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC) - dt.timedelta(hours=14)
    span_end = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC) + dt.timedelta(hours=36)
    by_clinician = clinician is not None
    values = _day_values(schedule, clinician, location, span_start, span_end)
    appointments = _DAY_APPOINTMENTS.objects((by_clinician,), **values)
    rows = [
        _day_row(appointment)
        for appointment in appointments
        if appointment.starts_at.astimezone(appointment.location.zone).date() == day
    ]
    cut = len(rows) > DAY_ROWS_LIMIT
    rows = rows[:DAY_ROWS_LIMIT]
    shown = {row.appointment.patient_id: row.appointment.patient for row in rows}
    schedule.read_record(list(shown.values()))
    return DaySchedule(
        day=day,
        rows=rows,
        open_left=_open_left(day, by_clinician, values, span_start, span_end, now),
        previous_day=day - dt.timedelta(days=1),
        next_day=day + dt.timedelta(days=1),
        cut=cut,
    )


def _day_row(appointment: Appointment) -> DayRow:
    zone = appointment.location.zone
    starts = appointment.starts_at.astimezone(zone)
    return DayRow(
        appointment=appointment,
        starts=dateformat.format(starts, TIME_FORMAT),
        ends=dateformat.format(appointment.ends_at.astimezone(zone), TIME_FORMAT),
        zone=dateformat.format(starts, ZONE_FORMAT),
    )


def _open_left(
    day: dt.date,
    by_clinician: bool,
    values: dict[str, Any],
    span_start: dt.datetime,
    span_end: dt.datetime,
    now: dt.datetime,
) -> list[OpenLeft]:
    """Working windows (weekly hours and extra hours) minus time off and live visits anywhere,
    from now on, per clinician and place (four queries)."""
    hours = _DAY_HOURS.objects((by_clinician,), **values, weekday=day.weekday())
    extra = _DAY_EXTRA_HOURS.objects((by_clinician,), **values)
    windows: dict[tuple[int, int], list[Interval]] = defaultdict(list)
    places: dict[tuple[int, int], tuple[Any, Location]] = {}
    for row in hours:
        key = (row.clinician_id, row.location_id)
        places[key] = (row.clinician, row.location)
        zone = row.location.zone
        windows[key].append(
            (
                dt.datetime.combine(day, row.starts_at, tzinfo=zone).astimezone(dt.UTC),
                dt.datetime.combine(day, row.ends_at, tzinfo=zone).astimezone(dt.UTC),
            )
        )
    for row in extra:
        key = (row.clinician_id, row.location_id)
        places[key] = (row.clinician, row.location)
        windows[key].append(_clip_to_day((row.starts_at, row.ends_at), day, row.location.zone))
    if not windows:
        return []
    busy = _busy(list({key[0] for key in windows}), span_start, span_end)
    left = []
    for key in sorted(windows, key=lambda k: (clinician_name(places[k][0]), places[k][1].name)):
        person, place = places[key]
        free = _subtract(sorted(windows[key]), sorted(busy.get(key[0], [])), now)
        ranges = [_range_words(start, end, place.zone) for start, end in free]
        left.append(OpenLeft(clinician=clinician_name(person), location=place.name, ranges=ranges))
    return left


# What the open time reads of working hours and extra hours, their place and their clinician.
_WINDOW_FIELDS = (
    "starts_at",
    "ends_at",
    "location__name",
    "location__time_zone",
    "clinician__first_name",
    "clinician__last_name",
    "clinician__username",
)


def _busy(clinician_ids: list[int], start: dt.datetime, end: dt.datetime) -> dict[int, list]:
    values: dict[str, Any] = {
        "span_start": start,
        "span_end": end,
        "span_earliest": start - LONGEST_VISIT,
    }
    values.update((f"clinician{index}", who) for index, who in enumerate(clinician_ids))
    shape = (len(clinician_ids),)
    busy: dict[int, list[Interval]] = defaultdict(list)
    for who, starts_at, ends_at in (
        *_BUSY_TIME_OFF.tuples(shape, **values),
        *_BUSY_VISITS.tuples(shape, **values),
    ):
        busy[who].append((starts_at, ends_at))
    return busy


# The day's queries, built once per process (lantern/core/statements.py): their shape is whose
# day it is (a clinician's or a place's) and, for the busy time, how many clinicians; the clinic,
# the clinician or place, the day's span and the clinicians are values.


def _day_values(
    schedule: ClinicSchedule,
    clinician: Any | None,
    location: Location | None,
    span_start: dt.datetime,
    span_end: dt.datetime,
) -> dict[str, Any]:
    return {
        "organization": schedule.organization.pk,
        "clinician": None if clinician is None else clinician.pk,
        "location": None if location is None else location.pk,
        "span_start": span_start,
        "span_end": span_end,
        "span_earliest": span_start - LONGEST_VISIT,
    }


def _whose(model: type[Model], by_clinician: bool) -> Q:
    """The rows of the clinician's day, or of the place's, at the clinic."""
    if by_clinician:
        whose = Q(clinician=param_for(model, "clinician"))
    else:
        whose = Q(location=param_for(model, "location"))
    return whose & Q(location__organization=param_for(Location, "organization"))


def _span(model: type[Model]) -> Q:
    return Q(
        starts_at__lt=param_for(model, "starts_at", "span_end"),
        ends_at__gt=param_for(model, "ends_at", "span_start"),
    )


def _visits_near() -> Q:
    # No visit lasts longer than LONGEST_VISIT: its start bounds the index search both ways.
    return Q(starts_at__gt=param_for(Appointment, "starts_at", "span_earliest"))


def _day_appointments(by_clinician: bool) -> QuerySet:
    return (
        Appointment.objects.filter(
            _whose(Appointment, by_clinician), _span(Appointment), _visits_near()
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "visit_type", "location", "clinician")
        .order_by("starts_at", "pk")[: DAY_ROWS_LIMIT + 1]
    )


def _day_hours(by_clinician: bool) -> QuerySet:
    return (
        WeeklyHours.objects.filter(
            _whose(WeeklyHours, by_clinician), weekday=param_for(WeeklyHours, "weekday")
        )
        .select_related("location", "clinician")
        .only(*_WINDOW_FIELDS)
    )


def _day_extra_hours(by_clinician: bool) -> QuerySet:
    return (
        ScheduleException.objects.filter(
            _whose(ScheduleException, by_clinician),
            _span(ScheduleException),
            kind=ExceptionKind.EXTRA_HOURS,
        )
        .select_related("location", "clinician")
        .only(*_WINDOW_FIELDS)
    )


def _clinicians_busy(model: type[Model], count: int) -> Q:
    # A list of values in one expression: a foreign key's `__in` would check each `Param` as
    # an id. The SQL is the list's own: "clinician_id IN (%s, %s, ...)".
    clinicians = ExpressionList(
        *(param_for(model, "clinician", f"clinician{index}") for index in range(count))
    )
    return Q(clinician_id__in=clinicians) & _span(model)


def _busy_time_off(count: int) -> QuerySet:
    return (
        ScheduleException.objects.filter(_clinicians_busy(ScheduleException, count))
        .exclude(kind=ExceptionKind.EXTRA_HOURS)
        .values_list("clinician_id", "starts_at", "ends_at")
    )


def _busy_visits(count: int) -> QuerySet:
    return Appointment.objects.filter(
        _clinicians_busy(Appointment, count), _visits_near(), status__in=LIVE_STATUSES
    ).values_list("clinician_id", "starts_at", "ends_at")


_DAY_APPOINTMENTS = Statement(_day_appointments)
_DAY_HOURS = Statement(_day_hours)
_DAY_EXTRA_HOURS = Statement(_day_extra_hours)
_BUSY_TIME_OFF = Statement(_busy_time_off)
_BUSY_VISITS = Statement(_busy_visits)


def _subtract(windows: list[Interval], busy: list[Interval], now: dt.datetime) -> list[Interval]:
    """The parts of `windows` after `now` that no busy interval covers, merged and in order."""
    free: list[Interval] = []
    for opens, closes in windows:
        pieces = [(max(opens, now), closes)]
        for busy_start, busy_end in busy:
            pieces = [
                part
                for start, end in pieces
                for part in ((start, min(end, busy_start)), (max(start, busy_end), end))
                if part[0] < part[1]
            ]
        free.extend(piece for piece in pieces if piece[0] < piece[1])
    merged: list[Interval] = []
    for start, end in sorted(free):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _clip_to_day(interval: Interval, day: dt.date, zone: zoneinfo.ZoneInfo) -> Interval:
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return max(interval[0], day_start), min(interval[1], day_end)


def _range_words(start: dt.datetime, end: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    return (
        f"{dateformat.format(local_start, TIME_FORMAT)} to "
        f"{dateformat.format(local_end, TIME_FORMAT)} {dateformat.format(local_start, ZONE_FORMAT)}"
    )
