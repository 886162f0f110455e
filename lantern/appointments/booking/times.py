"""A week of open times as the pages offer them, and booking or moving a visit at a time the
patient picked, "first available" included (the first clinician free then, by id)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Hashable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from lantern.access.policy import PatientAccess

from .. import services
from ..dates import clinic_time_words, formatted
from ..models import (
    LIVE_STATUSES,
    Appointment,
    BookingTicket,
    Location,
    VisitType,
    starting_near,
)
from ..selectors import WEEK_DAYS, OpenTime, open_times, records_for_appointments
from ..services import AppointmentError, SlotNotOpen, SlotTaken
from ..tickets import ticket_horizon_ends
from .choices import Booking

User = get_user_model()

# How many of the free clinicians at one time a "first available" booking tries, in order.
FIRST_AVAILABLE_TRIES = 3
NEXT_TIMES_OFFERED = services.NEXT_TIMES_OFFERED
NOT_OPEN = _("That time is not open for booking. Please choose one of the times shown.")


@dataclass(frozen=True)
class TimeChoice:
    """An open time as a page offers it: its clinic-time label and its `start` value."""

    starts_at: dt.datetime
    label: str
    start: str
    # The local day in short ("Mon, Jan 12", "lun 12 ene"), for times listed without their
    # day's heading.
    day_label: str


@dataclass(frozen=True)
class DayOfTimes:
    day: dt.date
    label: str
    times: list[TimeChoice]


@dataclass(frozen=True)
class Week:
    starts_on: dt.date
    days: list[DayOfTimes]
    earlier: dt.date | None
    later: dt.date | None


def time_choice(starts_at: dt.datetime, location: Location) -> TimeChoice:
    local = starts_at.astimezone(location.zone)
    return TimeChoice(
        starts_at=starts_at,
        label=formatted(local, "time"),
        start=start_value(starts_at),
        day_label=formatted(local, "short_day"),
    )


def _days_of_times(times: list[OpenTime], location: Location, today: dt.date) -> list[DayOfTimes]:
    """The open times by local day from `today`, labelled. A week holds about a hundred times
    but few distinct days and clock times, so each label is formatted once (a page's largest
    cost was formatting the same "9:00 AM EST" again for each day), and kept for the next
    page in the same language (`_label`)."""
    by_day: dict[dt.date, list[TimeChoice]] = {}
    day_labels: dict[dt.date, str] = {}
    time_labels: dict[tuple[int, int, str | None], str] = {}
    zone = location.zone
    language = translation.get_language()
    for time in times:
        local = time.starts_at.astimezone(zone)
        day = local.date()
        if day < today:
            continue
        if day not in day_labels:
            day_labels[day] = _label(language, "short_day", day, day)
        clock = (local.hour, local.minute, local.tzname())
        if clock not in time_labels:
            time_labels[clock] = _label(language, "time", clock, local)
        choice = TimeChoice(
            starts_at=time.starts_at,
            label=time_labels[clock],
            start=start_value(time.starts_at),
            day_label=day_labels[day],
        )
        by_day.setdefault(day, []).append(choice)
    return [
        DayOfTimes(day=day, label=_label(language, "day", day, day), times=choices)
        for day, choices in sorted(by_day.items())
    ]


# The labels of days and clock times, per language, format and what the format reads of the
# value (a day: its date; a clock time: its hour, minute and zone abbreviation), kept per process
# up to LABELS_KEPT of them: the same "9:00 AM EST" or "Monday, November 30" serves every page.
LABELS_KEPT = 2000
_LABELS: dict[tuple[str | None, str, Hashable], str] = {}


def _label(language: str | None, name: str, key: Hashable, value: dt.date) -> str:
    """`formatted(value, name)` in the active `language`, for a value `key` says all of."""
    found = _LABELS.get((language, name, key))
    if found is None:
        found = formatted(value, name)
        if len(_LABELS) < LABELS_KEPT:
            _LABELS[(language, name, key)] = found
    return found


def clinic_time_label(starts_at: dt.datetime, location: Location) -> str:
    """A time as the appointment pages say it ("Mon, Jan 12, 2026, 9:00 AM EST, clinic time")."""
    return clinic_time_words(starts_at, location.zone)


def clinicians_named(clinician_ids: tuple[int, ...]) -> list:
    """The clinicians of these ids (one query), to say who a visit would be with."""
    return list(User.objects.filter(pk__in=clinician_ids))


def start_value(starts_at: dt.datetime) -> str:
    """A time as the `start` query value: the UTC instant ("2026-01-12T14:00:00Z")."""
    return starts_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def start_in_query(start: str) -> str:
    """A `start_value` as it goes in a query string ("2026-01-12T14%3A00%3A00Z"), as
    `urllib.parse.quote(start, safe="")` writes it: of its characters (digits, "-", "T", ":",
    "Z") only the colon needs quoting, and a page quotes about a hundred of them."""
    return start.replace(":", "%3A")


def start_parse(value: str | None) -> dt.datetime | None:
    """The instant of a `start` query value; None for anything else (no time zone included)."""
    try:
        parsed = dt.datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(dt.UTC)


def open_week(
    *,
    visit_type: VisitType,
    location: Location,
    clinician_id: int | None,
    week: str | None,
    ignoring: uuid.UUID | None = None,
    ticket: BookingTicket | None = None,
) -> Week:
    """The open times of one week, by local day at the place, with the weeks either side that
    may hold times (none before today, none past the visit type's booking horizon; for a
    booking invitation, none outside its days)."""
    today = timezone.now().astimezone(location.zone).date()
    last_day = today + dt.timedelta(days=visit_type.booking_horizon_days)
    if ticket is not None:
        today, last_day = max(today, ticket.earliest_on), ticket.latest_on
    try:
        starts_on = dt.date.fromisoformat(week or "")
    except ValueError:
        starts_on = today
    starts_on = min(max(starts_on, today), last_day)
    times = open_times(
        visit_type=visit_type,
        location=location,
        start_date=starts_on,
        clinician_id=clinician_id,
        ignoring_appointment=ignoring,
        horizon_ends=_horizon_ends(ticket, location),
    )
    week_length = dt.timedelta(days=WEEK_DAYS)
    return Week(
        starts_on=starts_on,
        days=_days_of_times(times, location, today),
        earlier=max(starts_on - week_length, today) if starts_on > today else None,
        later=starts_on + week_length if starts_on + week_length <= last_day else None,
    )


def free_clinicians(
    *,
    visit_type: VisitType,
    location: Location,
    clinician_id: int | None,
    starts_at: dt.datetime,
    ignoring: uuid.UUID | None = None,
    ticket: BookingTicket | None = None,
) -> tuple[int, ...]:
    """Who is free for the visit at `starts_at` (the one clinician asked for, or everyone for
    "first available"), lowest id first; empty if no one is."""
    times = open_times(
        visit_type=visit_type,
        location=location,
        start_date=starts_at.astimezone(location.zone).date(),
        clinician_id=clinician_id,
        days=1,
        ignoring_appointment=ignoring,
        horizon_ends=_horizon_ends(ticket, location),
    )
    for time in times:
        if time.starts_at == starts_at:
            return time.clinician_ids
    return ()


def time_check(
    *,
    visit_type: VisitType,
    location: Location,
    clinician_id: int | None,
    starts_at: dt.datetime,
    ignoring: uuid.UUID | None = None,
    ticket: BookingTicket | None = None,
) -> tuple[tuple[int, ...], AppointmentError | None]:
    """Who is free at `starts_at` and, when no one is, why (see `time_unavailable`)."""
    chosen = {
        "visit_type": visit_type,
        "location": location,
        "clinician_id": clinician_id,
        "starts_at": starts_at,
        "ignoring": ignoring,
        "ticket": ticket,
    }
    free = free_clinicians(**chosen)
    return free, None if free else time_unavailable(**chosen)


def time_unavailable(
    *,
    visit_type: VisitType,
    location: Location,
    clinician_id: int | None,
    starts_at: dt.datetime,
    ignoring: uuid.UUID | None = None,
    ticket: BookingTicket | None = None,
) -> AppointmentError:
    """Why no one can be booked at `starts_at`: SlotTaken (with the next open times after it)
    when a visit there holds it, else SlotNotOpen (past, too far ahead, or never offered)."""
    ends_at = starts_at + dt.timedelta(minutes=visit_type.length_minutes)
    holders = Appointment.objects.filter(
        starting_near(starts_at, ends_at), location=location, status__in=LIVE_STATUSES
    ).exclude(pk=ignoring)
    if clinician_id is not None:
        holders = holders.filter(clinician_id=clinician_id)
    if starts_at <= timezone.now() or not holders.exists():
        return SlotNotOpen(NOT_OPEN)
    later: list[OpenTime] = [
        time
        for time in open_times(
            visit_type=visit_type,
            location=location,
            start_date=starts_at.astimezone(location.zone).date(),
            clinician_id=clinician_id,
            ignoring_appointment=ignoring,
            horizon_ends=_horizon_ends(ticket, location),
        )
        if time.starts_at > starts_at
    ]
    return SlotTaken(later[:NEXT_TIMES_OFFERED])


def appointment_book_at(
    *, access: PatientAccess, booking: Booking, starts_at: dt.datetime, submission_id: uuid.UUID
) -> Appointment:
    """Book the chosen visit at `starts_at`, with the chosen clinician or the first one free.

    The same `submission_id` again returns the first appointment (a double click books once).
    Raises SlotTaken (with the next open times) or SlotNotOpen.
    """
    earlier = _submitted_before(access, submission_id)
    if earlier is not None:
        return earlier
    chosen = {
        "visit_type": booking.visit_type,
        "location": booking.location,
        "clinician_id": booking.clinician_id,
        "starts_at": starts_at,
        "ticket": booking.ticket,
    }
    for clinician_id in free_clinicians(**chosen)[:FIRST_AVAILABLE_TRIES]:
        try:
            return services.appointment_book(
                access=access,
                visit_type=booking.visit_type,
                location=booking.location,
                clinician_id=clinician_id,
                starts_at=starts_at,
                submission_id=submission_id,
                ticket=booking.ticket,
            )
        except SlotTaken:
            # Someone took this clinician's time meanwhile; try the next one free then.
            continue
    raise time_unavailable(**chosen)


def appointment_move_to(
    *,
    access: PatientAccess,
    appointment: Appointment,
    clinician_id: int | None,
    starts_at: dt.datetime,
    submission_id: uuid.UUID,
) -> Appointment:
    """Move a visit to `starts_at` at its place, with `clinician_id` or the first one free;
    the old time is given up only when the new one is held (services.appointment_reschedule).
    The same `submission_id` again returns the first new appointment."""
    earlier = _submitted_before(access, submission_id)
    if earlier is not None:
        return earlier
    chosen = {
        "visit_type": appointment.visit_type,
        "location": appointment.location,
        "clinician_id": clinician_id,
        "starts_at": starts_at,
        "ignoring": appointment.pk,
    }
    for free_id in free_clinicians(**chosen)[:FIRST_AVAILABLE_TRIES]:
        try:
            return services.appointment_reschedule(
                access=access,
                appointment_id=appointment.pk,
                starts_at=starts_at,
                submission_id=submission_id,
                clinician_id=free_id,
                location=appointment.location,
            )
        except SlotTaken:
            continue
    raise time_unavailable(**chosen)


def _horizon_ends(ticket: BookingTicket | None, location: Location) -> dt.datetime | None:
    # A booking invitation's own last day replaces the visit type's booking horizon.
    return None if ticket is None else ticket_horizon_ends(ticket, location)


def appointment_submitted_before(access: PatientAccess, value: str | None) -> Appointment | None:
    """The appointment a booking form with this `submission_id` value already made, if any: a
    retried confirm finds it even once its booking invitation is used up."""
    try:
        submission_id = uuid.UUID(value or "")
    except ValueError:
        return None
    return _submitted_before(access, submission_id)


def _submitted_before(access: PatientAccess, submission_id: uuid.UUID) -> Appointment | None:
    return (
        records_for_appointments(access)
        .filter(booked_by=access.user, submission_id=submission_id)
        .first()
    )
