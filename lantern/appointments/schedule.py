"""The clinic's side of appointments, for the staff console: its setup (visit types, places,
clinicians' weekly hours and exceptions). The day of one clinician or one place is in
schedule_day.py.

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
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import dateformat, timezone

from lantern.access.models import StaffRole
from lantern.access.policy import ClinicSchedule
from lantern.core.statements import Statement, param_for

from .models import (
    ExceptionKind,
    Location,
    ScheduleException,
    VisitType,
    WeeklyHours,
)

# The clinician's page lists at most this many coming exceptions.
EXCEPTIONS_LISTED = 50
TIME_FORMAT = "g:i A"
ZONE_FORMAT = "T"
WHEN_FORMAT = "D, M j, Y, g:i A"


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


# The day view's lists, built once per process (lantern/core/statements.py): the clinic is a
# value. Each gives what `clinic_locations` and `clinic_clinicians` give, read as a list.
_LOCATIONS = Statement(lambda: clinic_locations(_clinic_template()))
_FIRST_LOCATION = Statement(lambda: clinic_locations(_clinic_template(), active_only=True)[:1])
_CLINICIANS = Statement(lambda: clinic_clinicians(_clinic_template()))


def _clinic_template() -> ClinicSchedule:
    """A clinic's schedule for building a statement: its organization is the `Param`
    "organization" (run it with `_clinic_values`)."""
    return ClinicSchedule(
        user=None, organization=param_for(Location, "organization"), may_manage=False
    )


def _clinic_values(schedule: ClinicSchedule) -> dict[str, Any]:
    return {"organization": schedule.organization.pk}


def clinic_locations_listed(schedule: ClinicSchedule) -> list[Location]:
    """`clinic_locations` as a list (one query)."""
    return _LOCATIONS.objects(**_clinic_values(schedule))


def clinic_first_location(schedule: ClinicSchedule) -> Location | None:
    """The clinic's first active place by name (the day view's place when none is chosen)."""
    found = _FIRST_LOCATION.objects(**_clinic_values(schedule))
    return found[0] if found else None


def clinic_clinicians_listed(schedule: ClinicSchedule) -> list[Any]:
    """`clinic_clinicians` as a list (one query)."""
    return _CLINICIANS.objects(**_clinic_values(schedule))


# The setup page's three lists, each bounded (a clinic has far fewer), built once per process.
SETUP_VISIT_TYPES_SHOWN = 100
SETUP_LOCATIONS_SHOWN = 100
SETUP_CLINICIANS_SHOWN = 200
_SETUP_VISIT_TYPES = Statement(
    lambda: clinic_visit_types(_clinic_template())[:SETUP_VISIT_TYPES_SHOWN]
)
_SETUP_LOCATIONS = Statement(lambda: clinic_locations(_clinic_template())[:SETUP_LOCATIONS_SHOWN])
_SETUP_CLINICIANS = Statement(
    lambda: clinic_clinicians(_clinic_template())[:SETUP_CLINICIANS_SHOWN]
)


def clinic_setup_lists(schedule: ClinicSchedule) -> tuple[list[VisitType], list[Location], list]:
    """The clinic's visit types, places and clinicians for its setup page (three queries)."""
    values = _clinic_values(schedule)
    return (
        _SETUP_VISIT_TYPES.objects(**values),
        _SETUP_LOCATIONS.objects(**values),
        _SETUP_CLINICIANS.objects(**values),
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
