"""The clinic's side of appointments, for the staff console: its setup (visit types, places,
clinicians' weekly hours and exceptions) and the day of one clinician or one place.

Every function takes a `policy.ClinicSchedule` (the clinic the user works at, resolved by the
access layer) and never reaches outside its organization; the setup writes also need
`schedule.may_manage`. Booking, moving, cancelling and marking visits stay in `services.py`,
with a staff `PatientAccess`.

Times are local wall times at the location: weekly hours and exceptions are entered in the
location's zone, and the day view shows each visit in its location's zone, labelled.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import dateformat, timezone

from lantern.access.models import StaffRole
from lantern.access.policy import ClinicSchedule

from .models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    ExceptionKind,
    Location,
    ScheduleException,
    VisitType,
    WeeklyHours,
)

# A day view lists at most this many visits (a busy place's day is far fewer).
DAY_ROWS_LIMIT = 300
# The clinician's page lists at most this many coming exceptions.
EXCEPTIONS_LISTED = 50
TIME_FORMAT = "g:i A"
ZONE_FORMAT = "T"
WHEN_FORMAT = "D, M j, Y, g:i A"

Interval = tuple[dt.datetime, dt.datetime]


class ScheduleError(Exception):
    """A setup change that cannot be made; the message says why in plain words."""


# Setup reads.


def clinic_locations(schedule: ClinicSchedule, *, active_only: bool = False) -> QuerySet[Location]:
    """The clinic's places, by name."""
    locations = Location.objects.filter(organization=schedule.organization).order_by("name", "pk")
    return locations.filter(is_active=True) if active_only else locations


def clinic_visit_types(
    schedule: ClinicSchedule, *, active_only: bool = False
) -> QuerySet[VisitType]:
    """The clinic's kinds of visit, by name (staff may book every one, bookable or not)."""
    visit_types = VisitType.objects.filter(organization=schedule.organization).order_by(
        "name", "pk"
    )
    return visit_types.filter(is_active=True) if active_only else visit_types


def clinic_clinicians(schedule: ClinicSchedule) -> QuerySet[Any]:
    """The clinic's active clinicians (staff with the clinician role), by name."""
    return (
        get_user_model()
        .objects.filter(
            staff_memberships__organization=schedule.organization,
            staff_memberships__is_active=True,
            staff_memberships__role=StaffRole.CLINICIAN,
            is_active=True,
        )
        .order_by("last_name", "first_name", "username")
    )


def location_get(schedule: ClinicSchedule, location_id: Any) -> Location:
    """One of the clinic's places; any other id is "not found"."""
    return _get_or_404(clinic_locations(schedule), location_id)


def visit_type_get(schedule: ClinicSchedule, visit_type_id: Any) -> VisitType:
    return _get_or_404(clinic_visit_types(schedule), visit_type_id)


def clinician_get(schedule: ClinicSchedule, user_id: Any) -> Any:
    return _get_or_404(clinic_clinicians(schedule), user_id)


def clinician_name(clinician: Any) -> str:
    return clinician.get_full_name() or clinician.get_username()


def clinician_hours(schedule: ClinicSchedule, clinician: Any) -> list[WeeklyHours]:
    """The clinician's weekly hours at this clinic's places, by weekday and time."""
    return list(
        WeeklyHours.objects.filter(
            clinician=clinician, location__organization=schedule.organization
        )
        .select_related("location")
        .order_by("weekday", "starts_at", "pk")
    )


def clinician_exceptions(
    schedule: ClinicSchedule, clinician: Any, *, now: dt.datetime | None = None
) -> list[ScheduleException]:
    """The clinician's exceptions that have not ended yet, soonest first (bounded)."""
    now = now or timezone.now()
    rows = list(
        _clinician_exceptions(schedule, clinician)
        .filter(ends_at__gt=now)
        .select_related("location")
        .order_by("starts_at", "pk")[:EXCEPTIONS_LISTED]
    )
    fallback = clinic_zone(schedule) if any(row.location is None for row in rows) else None
    for row in rows:
        zone = row.location.zone if row.location else fallback
        # What the page shows: local times at the place, labelled with the zone.
        row.when_words = (
            f"{dateformat.format(row.starts_at.astimezone(zone), WHEN_FORMAT)} to "
            f"{dateformat.format(row.ends_at.astimezone(zone), WHEN_FORMAT)} "
            f"{dateformat.format(row.ends_at.astimezone(zone), ZONE_FORMAT)}"
        )
    return rows


def clinic_zone(schedule: ClinicSchedule) -> zoneinfo.ZoneInfo:
    """The zone of the clinic's first active place (for time off that applies everywhere),
    else the deployment's TIME_ZONE."""
    first = clinic_locations(schedule, active_only=True).only("time_zone").first()
    return first.zone if first else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def weekly_hours_overlap(
    *,
    clinician: Any,
    weekday: int,
    starts_at: dt.time,
    ends_at: dt.time,
    excluding: int | None = None,
) -> WeeklyHours | None:
    """A row of the clinician's weekly hours on that weekday (at any place: one person cannot
    be in two) that overlaps the given hours, or None."""
    return (
        WeeklyHours.objects.filter(
            clinician=clinician, weekday=weekday, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        .exclude(pk=excluding)
        .select_related("location")
        .first()
    )


# Setup writes (administrators).


def setup_save(schedule: ClinicSchedule, record: Location | VisitType) -> None:
    """Save a place or a visit type of the clinic (new or changed)."""
    _require_manager(schedule)
    record.organization = schedule.organization
    record.full_clean()
    record.save()


def weekly_hours_add(
    schedule: ClinicSchedule,
    *,
    clinician: Any,
    location: Location,
    weekday: int,
    starts_at: dt.time,
    ends_at: dt.time,
) -> WeeklyHours:
    """Add a row of weekly hours; refused when it overlaps one of the clinician's rows."""
    _require_manager(schedule)
    _require_clinic(schedule, location)
    with transaction.atomic():
        # Serialise adds for one clinician, so two overlapping rows cannot both pass the check.
        get_user_model().objects.select_for_update().filter(pk=clinician.pk).first()
        clash = weekly_hours_overlap(
            clinician=clinician, weekday=weekday, starts_at=starts_at, ends_at=ends_at
        )
        if clash is not None:
            raise ScheduleError(overlap_words(clash))
        return WeeklyHours.objects.create(
            clinician=clinician,
            location=location,
            weekday=weekday,
            starts_at=starts_at,
            ends_at=ends_at,
        )


def overlap_words(clash: WeeklyHours) -> str:
    return (
        f"These hours overlap {clash.get_weekday_display()} "
        f"{_time_words(clash.starts_at)} to {_time_words(clash.ends_at)} at {clash.location}. "
        "Change the times or remove that row first."
    )


def weekly_hours_remove(schedule: ClinicSchedule, *, clinician: Any, hours_id: Any) -> bool:
    """Remove a row of the clinician's weekly hours at this clinic; False if it was gone."""
    _require_manager(schedule)
    deleted, _ = WeeklyHours.objects.filter(
        pk=_int_or_none(hours_id),
        clinician=clinician,
        location__organization=schedule.organization,
    ).delete()
    return bool(deleted)


def schedule_exception_add(
    schedule: ClinicSchedule,
    *,
    clinician: Any,
    kind: ExceptionKind,
    location: Location | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    note: str = "",
) -> ScheduleException:
    """Add time off (blocked time, a holiday: everywhere) or extra hours at a place."""
    _require_manager(schedule)
    if location is not None:
        _require_clinic(schedule, location)
    return ScheduleException.objects.create(
        clinician=clinician,
        location=location,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note,
    )


def schedule_exception_remove(
    schedule: ClinicSchedule, *, clinician: Any, exception_id: Any
) -> bool:
    _require_manager(schedule)
    deleted, _ = (
        _clinician_exceptions(schedule, clinician).filter(pk=_int_or_none(exception_id)).delete()
    )
    return bool(deleted)


# The day view.


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
    whose = Q(clinician=clinician) if clinician is not None else Q(location=location)
    appointments = (
        Appointment.objects.filter(
            whose,
            location__organization=schedule.organization,
            starts_at__lt=span_end,
            ends_at__gt=span_start,
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "visit_type", "location", "clinician")
        .order_by("starts_at", "pk")[: DAY_ROWS_LIMIT + 1]
    )
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
        open_left=_open_left(schedule, day, clinician, location, span_start, span_end, now),
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
    schedule: ClinicSchedule,
    day: dt.date,
    clinician: Any | None,
    location: Location | None,
    span_start: dt.datetime,
    span_end: dt.datetime,
    now: dt.datetime,
) -> list[OpenLeft]:
    """Working windows (weekly hours and extra hours) minus time off and live visits anywhere,
    from now on, per clinician and place (four queries)."""
    whose = Q(clinician=clinician) if clinician is not None else Q(location=location)
    at_clinic = Q(location__organization=schedule.organization)
    hours = WeeklyHours.objects.filter(whose, at_clinic, weekday=day.weekday()).select_related(
        "location", "clinician"
    )
    extra = ScheduleException.objects.filter(
        whose,
        at_clinic,
        kind=ExceptionKind.EXTRA_HOURS,
        starts_at__lt=span_end,
        ends_at__gt=span_start,
    ).select_related("location", "clinician")
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


def _busy(clinician_ids: list[int], start: dt.datetime, end: dt.datetime) -> dict[int, list]:
    overlapping = Q(clinician_id__in=clinician_ids, starts_at__lt=end, ends_at__gt=start)
    busy: dict[int, list[Interval]] = defaultdict(list)
    time_off = ScheduleException.objects.filter(overlapping).exclude(kind=ExceptionKind.EXTRA_HOURS)
    visits = Appointment.objects.filter(overlapping, status__in=LIVE_STATUSES)
    for queryset in (time_off, visits):
        for who, starts_at, ends_at in queryset.values_list("clinician_id", "starts_at", "ends_at"):
            busy[who].append((starts_at, ends_at))
    return busy


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


def _time_words(value: dt.time) -> str:
    return dateformat.time_format(value, TIME_FORMAT)


# Helpers.


def _clinician_exceptions(schedule: ClinicSchedule, clinician: Any) -> QuerySet[ScheduleException]:
    """The clinician's exceptions this clinic set: at its places, or anywhere (no place) while
    the clinician works here."""
    return ScheduleException.objects.filter(
        Q(location__organization=schedule.organization) | Q(location__isnull=True),
        clinician=clinician,
    )


def _require_manager(schedule: ClinicSchedule) -> None:
    if not schedule.may_manage:
        raise Http404


def _require_clinic(schedule: ClinicSchedule, location: Location) -> None:
    if location.organization_id != schedule.organization.pk:
        raise Http404


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _get_or_404(queryset: QuerySet, object_id: Any):
    found = queryset.filter(pk=_int_or_none(object_id)).first()
    if found is None:
        raise Http404
    return found
