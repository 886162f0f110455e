"""The patient's side of booking: what they have chosen so far, the week of open times they pick
from, booking or moving a visit at a time they picked ("first available" included), and asking
the clinic for a visit they cannot book themselves.

The choices travel in the page's query string as ids only (`visit`, `clinician`, `place`,
`week`, `start`); each is checked here against what the patient's clinic offers, and a choice
that is not offered is treated as not made. The writes themselves are `services.py`'s: this
module picks the clinician for "first available" (the first one free at that time, by id, so the
choice is the same on every try) and turns a refusal into what the page shows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import dateformat, timezone

from lantern.access.policy import PatientAccess, object_get
from lantern.audit.models import ActorRole, AuditAction
from lantern.messaging.models import Conversation, MessagePool
from lantern.messaging.services import conversation_start

from . import services
from .models import LIVE_STATUSES, Appointment, AppointmentStatus, Location, VisitType
from .selectors import WEEK_DAYS, OpenTime, open_times, records_for_appointments
from .services import AppointmentError, SlotNotOpen, SlotTaken
from .templatetags.clinic_time import CLINIC_TIME_FORMAT

User = get_user_model()

ANY_CLINICIAN = "any"
# Lists a clinic sets up (visit types, clinicians, places) are short; a bound keeps pages cheap.
CHOICES_LISTED = 50
# How many of the free clinicians at one time a "first available" booking tries, in order.
FIRST_AVAILABLE_TRIES = 3
NEXT_TIMES_OFFERED = services.NEXT_TIMES_OFFERED
NOT_OPEN = "That time is not open for booking. Please choose one of the times shown."
NO_CLINIC = "Your record is not linked to a clinic yet. Please call the clinic to book a visit."
TIME_LABEL_FORMAT = "g:i A T"
DAY_LABEL_FORMAT = "l, F j"
SHORT_DAY_FORMAT = "D, M j"


# What the patient has chosen.


@dataclass(frozen=True)
class Booking:
    """The choices so far, each one offered to this patient, and what each step offers."""

    visit_types: list[VisitType]
    visit_type: VisitType | None = None
    clinicians: tuple = ()
    clinician: User | None = None
    any_clinician: bool = False
    locations: tuple[Location, ...] = ()
    location: Location | None = None

    @property
    def bookable(self) -> list[VisitType]:
        return [visit_type for visit_type in self.visit_types if visit_type.patients_may_book]

    @property
    def request_only(self) -> list[VisitType]:
        return [visit_type for visit_type in self.visit_types if not visit_type.patients_may_book]

    @property
    def step(self) -> str:
        """The next choice to make: "visit", "clinician", "place", then "time"."""
        if self.visit_type is None:
            return "visit"
        if self.clinician is None and not self.any_clinician:
            return "clinician"
        if self.location is None:
            return "place"
        return "time"

    @property
    def clinician_id(self) -> int | None:
        return None if self.clinician is None else self.clinician.pk

    def params(self, **extra: object) -> dict[str, str]:
        """The query string of the choices made, plus `extra` (ids only, never names)."""
        chosen: dict[str, object] = {}
        if self.visit_type is not None:
            chosen["visit"] = self.visit_type.pk
        if self.any_clinician:
            chosen["clinician"] = ANY_CLINICIAN
        elif self.clinician is not None:
            chosen["clinician"] = self.clinician.pk
        if self.location is not None:
            chosen["place"] = self.location.pk
        chosen.update(extra)
        return {key: str(value) for key, value in chosen.items() if value is not None}


def booking_choices(*, access: PatientAccess, params: Mapping[str, str]) -> Booking:
    """The choices in `params` that the patient's clinic offers; a step with only one choice
    is made for them. At most three queries, however many clinicians or places."""
    organization_id = access.patient.managing_organization_id
    if organization_id is None:
        return Booking(visit_types=[])
    visit_types = list(
        VisitType.objects.filter(organization_id=organization_id, is_active=True)[:CHOICES_LISTED]
    )
    booking = Booking(visit_types=visit_types)
    visit_type = _chosen(booking.bookable, params.get("visit"))
    if visit_type is None:
        return booking
    clinicians = tuple(_clinicians_offering(organization_id))
    wanted = params.get("clinician", "")
    any_clinician = len(clinicians) > 1 and wanted == ANY_CLINICIAN
    clinician = clinicians[0] if len(clinicians) == 1 else _chosen(clinicians, wanted)
    if clinician is None and not any_clinician:
        return Booking(visit_types, visit_type, clinicians)
    locations = tuple(_locations_offering(organization_id, clinician))
    location = locations[0] if len(locations) == 1 else _chosen(locations, params.get("place"))
    return Booking(
        visit_types, visit_type, clinicians, clinician, any_clinician, locations, location
    )


def _chosen(options, value: str | None):
    for option in options:
        if str(option.pk) == value:
            return option
    return None


def _clinicians_offering(organization_id: int) -> QuerySet:
    """Clinicians with weekly hours at one of the clinic's open places, by name."""
    return (
        User.objects.filter(
            is_active=True,
            weekly_hours__location__organization_id=organization_id,
            weekly_hours__location__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")[:CHOICES_LISTED]
    )


def _locations_offering(organization_id: int, clinician) -> QuerySet[Location]:
    """The clinic's open places where the clinician (or, for "first available", anyone) works."""
    locations = Location.objects.filter(organization_id=organization_id, is_active=True)
    if clinician is not None:
        locations = locations.filter(weekly_hours__clinician=clinician)
    else:
        locations = locations.filter(weekly_hours__isnull=False)
    return locations.distinct().order_by("name", "pk")[:CHOICES_LISTED]


# A week of open times.


@dataclass(frozen=True)
class TimeChoice:
    """An open time as a page offers it: its clinic-time label and its `start` value."""

    starts_at: dt.datetime
    label: str
    start: str
    # The local day in short ("Mon, Jan 12"), for times listed without their day's heading.
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
        label=dateformat.format(local, TIME_LABEL_FORMAT),
        start=start_value(starts_at),
        day_label=dateformat.format(local, SHORT_DAY_FORMAT),
    )


def clinic_time_label(starts_at: dt.datetime, location: Location) -> str:
    """A time as the appointment pages say it ("Mon, Jan 12, 2026, 9:00 AM EST, clinic time")."""
    local = starts_at.astimezone(location.zone)
    return f"{dateformat.format(local, CLINIC_TIME_FORMAT)}, clinic time"


def clinicians_named(clinician_ids: tuple[int, ...]) -> list:
    """The clinicians of these ids (one query), to say who a visit would be with."""
    return list(User.objects.filter(pk__in=clinician_ids))


def start_value(starts_at: dt.datetime) -> str:
    """A time as the `start` query value: the UTC instant ("2026-01-12T14:00:00Z")."""
    return starts_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
) -> Week:
    """The open times of one week, by local day at the place, with the weeks either side that
    may hold times (none before today, none past the visit type's booking horizon)."""
    today = timezone.now().astimezone(location.zone).date()
    last_day = today + dt.timedelta(days=visit_type.booking_horizon_days)
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
    )
    by_day: dict[dt.date, list[TimeChoice]] = {}
    for time in times:
        choice = time_choice(time.starts_at, location)
        by_day.setdefault(time.starts_at.astimezone(location.zone).date(), []).append(choice)
    week_length = dt.timedelta(days=WEEK_DAYS)
    return Week(
        starts_on=starts_on,
        days=[
            DayOfTimes(day=day, label=dateformat.format(day, DAY_LABEL_FORMAT), times=choices)
            for day, choices in sorted(by_day.items())
        ],
        earlier=max(starts_on - week_length, today) if starts_on > today else None,
        later=starts_on + week_length if starts_on + week_length <= last_day else None,
    )


# Booking and moving at a chosen time.


def free_clinicians(
    *,
    visit_type: VisitType,
    location: Location,
    clinician_id: int | None,
    starts_at: dt.datetime,
    ignoring: uuid.UUID | None = None,
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
) -> tuple[tuple[int, ...], AppointmentError | None]:
    """Who is free at `starts_at` and, when no one is, why (see `time_unavailable`)."""
    chosen = {
        "visit_type": visit_type,
        "location": location,
        "clinician_id": clinician_id,
        "starts_at": starts_at,
        "ignoring": ignoring,
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
) -> AppointmentError:
    """Why no one can be booked at `starts_at`: SlotTaken (with the next open times after it)
    when a visit there holds it, else SlotNotOpen (past, too far ahead, or never offered)."""
    ends_at = starts_at + dt.timedelta(minutes=visit_type.length_minutes)
    holders = Appointment.objects.filter(
        location=location, status__in=LIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
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


def _submitted_before(access: PatientAccess, submission_id: uuid.UUID) -> Appointment | None:
    return (
        records_for_appointments(access)
        .filter(booked_by=access.user, submission_id=submission_id)
        .first()
    )


# One appointment, as its pages show it.


@dataclass(frozen=True)
class AppointmentPage:
    appointment: Appointment
    # Coming and still held: it can go in a calendar.
    is_upcoming: bool
    # May be moved or cancelled online now.
    may_change: bool
    # Coming, but inside the visit type's cut-off: the page gives the phone number instead.
    too_soon: bool


def appointment_for_page(
    *,
    access: PatientAccess,
    appointment_id: uuid.UUID,
    action: AuditAction = AuditAction.VIEW,
    record: bool = True,
) -> AppointmentPage:
    """One of the patient's appointments (audited as `action` when `record`), with what may be
    done with it now; ObjectNotFound (a 404) for anyone else's."""
    queryset = records_for_appointments(access).select_related(
        "clinician", "location__organization", "visit_type"
    )
    appointment = object_get(
        access, queryset, appointment_id, action=action, object_type="Appointment", record=record
    )
    now = timezone.now()
    is_upcoming = appointment.is_live and appointment.starts_at > now
    booked = is_upcoming and appointment.status == AppointmentStatus.BOOKED
    cutoff = dt.timedelta(hours=appointment.visit_type.cancellation_cutoff_hours)
    inside_cutoff = access.role != ActorRole.STAFF and appointment.starts_at - now < cutoff
    return AppointmentPage(
        appointment=appointment,
        is_upcoming=is_upcoming,
        may_change=booked and not inside_cutoff,
        too_soon=booked and inside_cutoff,
    )


def appointment_moved_to(*, access: PatientAccess, appointment: Appointment) -> Appointment | None:
    """The visit this cancelled one was moved to, if it was (one query; none for others)."""
    if appointment.status != AppointmentStatus.CANCELLED:
        return None
    moved = records_for_appointments(access).filter(rescheduled_from=appointment)
    return moved.select_related("location").first()


# Asking the clinic for a visit.


def request_pool(*, access: PatientAccess) -> MessagePool | None:
    """The clinic's inbox for appointment requests: its active pool named by the
    APPOINTMENT_REQUEST_POOL setting, else its first active pool; None if it has none."""
    organization_id = access.patient.managing_organization_id
    if organization_id is None:
        return None
    pools = list(
        MessagePool.objects.filter(organization_id=organization_id, is_active=True).order_by(
            "position", "name"
        )[:CHOICES_LISTED]
    )
    for pool in pools:
        if pool.name == settings.APPOINTMENT_REQUEST_POOL:
            return pool
    return pools[0] if pools else None


def appointment_request(
    *,
    access: PatientAccess,
    pool: MessagePool,
    visit: str,
    preferred_times: str,
    details: str,
    submission_id: uuid.UUID,
) -> Conversation:
    """Send the clinic's scheduling inbox a request for a visit, as a secure-message
    conversation (sent once per `submission_id`); its replies come to Messages."""
    lines = [f"Visit: {visit}"]
    if preferred_times:
        lines.append(f"Days and times that suit me: {preferred_times}")
    if details:
        lines += ["", details]
    return conversation_start(
        access=access,
        recipient=f"pool:{pool.pk}",
        subject=f"Appointment request: {visit}"[:120],
        body="\n".join(lines),
        submission_id=submission_id,
    )
