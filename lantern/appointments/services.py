"""Writes for appointments: book, cancel, move, and mark arrived or missed.

Each takes the authorized `PatientAccess`, requires the appointments section of it, and writes
one audit event ("Appointment", with its id) in the transaction of the change. Whether two
visits may overlap is not decided here: the database refuses it (migration 0002), and its
refusal becomes `SlotTaken` with the next open times, so two people booking one time at once
cannot both get it.

Booking writes the visit's reminders (`reminders.py`) in its transaction; cancelling or moving a
visit cancels the reminders not yet sent and, once committed, offers the freed time to patients
on the waitlist (`waitlist.py`, through the task worker).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.access.models import Section
from lantern.access.policy import PatientAccess, access_record, object_get, section_require
from lantern.audit.models import ActorRole, AuditAction

from . import reminders
from .models import (
    Appointment,
    AppointmentStatus,
    BookingTicket,
    Location,
    VisitType,
    starting_near,
)
from .selectors import OpenTime, open_times
from .tickets import ticket_allows, ticket_claim, ticket_horizon_ends

OBJECT_TYPE = "Appointment"
# How many open times a "just taken" answer offers instead.
NEXT_TIMES_OFFERED = 3
RESCHEDULED = "Moved to another time"
# Which statuses staff may set, and from which.
MARKS: dict[str, frozenset[str]] = {
    AppointmentStatus.ARRIVED: frozenset({AppointmentStatus.BOOKED}),
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.BOOKED}),
    AppointmentStatus.COMPLETED: frozenset({AppointmentStatus.ARRIVED}),
}


class AppointmentError(Exception):
    """A booking change that cannot be made; the message says why in plain words."""


class SlotNotOpen(AppointmentError):
    """The time asked for is not an open time for this visit."""


class SlotTaken(AppointmentError):
    """Someone else holds the time; `next_open_times` are the nearest free ones."""

    def __init__(self, next_open_times: list[OpenTime]) -> None:
        super().__init__(_("That time was just taken. Please choose another time."))
        self.next_open_times = next_open_times


class TooLateToChange(AppointmentError):
    """Inside the visit type's cancellation cut-off: patients call the clinic instead."""


def _once_per_submission(change: Callable[..., Appointment]) -> Callable[..., Appointment]:
    """Make `change` (a booking or a move) once per `submission_id`: a form sent again gets the
    appointment the first sending made.

    A double click sends it twice at once: the second request may find no appointment yet,
    then find the first one's booking holding the time (or the old visit already moved) and
    fail. Its failure is then no failure: the first sending's appointment is returned."""

    @functools.wraps(change)
    def once(*, access: PatientAccess, submission_id: uuid.UUID, **details: Any) -> Appointment:
        section_require(access, Section.APPOINTMENTS)
        earlier = _submitted_before(access, submission_id)
        if earlier is not None:
            return earlier
        try:
            return change(access=access, submission_id=submission_id, **details)
        except AppointmentError:
            winner = _submitted_before(access, submission_id)
            if winner is not None:
                return winner
            raise

    return once


@_once_per_submission
def appointment_book(
    *,
    access: PatientAccess,
    visit_type: VisitType,
    location: Location,
    clinician_id: int,
    starts_at: dt.datetime,
    submission_id: uuid.UUID,
    ticket: BookingTicket | None = None,
) -> Appointment:
    """Book `visit_type` for the access's patient with a clinician at an open time.

    With a `ticket` (the clinic's invitation, from `tickets.ticket_for_booking`) the patient may
    book a visit type they could not book on their own, within the ticket's dates; the booking
    uses the ticket up. Sending the same `submission_id` again returns the first appointment.
    Raises SlotTaken when someone else holds the time, SlotNotOpen when it was never open.
    """
    _may_book(access, visit_type, location, invited=ticket is not None)
    horizon_ends = None
    if ticket is not None:
        if not ticket_allows(
            ticket,
            visit_type=visit_type,
            location=location,
            clinician_id=clinician_id,
            starts_at=starts_at,
        ):
            raise SlotNotOpen(_("That time is not one the clinic invited you to book."))
        horizon_ends = ticket_horizon_ends(ticket, location)
    _require_open(
        visit_type, location, clinician_id, starts_at, ignoring=None, horizon_ends=horizon_ends
    )
    try:
        with transaction.atomic():
            appointment = _appointment_insert(
                access, visit_type, location, clinician_id, starts_at, submission_id
            )
            if ticket is not None:
                ticket_claim(ticket, appointment)
            reminders.reminders_schedule(appointment)
            access_record(
                access, action=AuditAction.CREATE, object_type=OBJECT_TYPE, object_id=appointment.pk
            )
    except IntegrityError:
        # The time is held: by another booking, or by this form sent twice at once (then
        # `_once_per_submission` returns the other sending's appointment).
        raise _slot_taken(visit_type, location, clinician_id, starts_at) from None
    return appointment


def appointment_cancel(
    *, access: PatientAccess, appointment_id: uuid.UUID | str, reason: str = ""
) -> Appointment:
    """Cancel a booked visit. Patients and proxies may not inside the visit type's cut-off
    (TooLateToChange says to call the clinic); staff may. Cancelling twice changes nothing."""
    section_require(access, Section.APPOINTMENTS)
    with transaction.atomic():
        appointment = _appointment_get(access, appointment_id)
        if appointment.status == AppointmentStatus.CANCELLED:
            return appointment
        _require_changeable(access, appointment)
        if not _cancelled(access, appointment, reason):
            raise AppointmentError(_("This visit has changed. Please look at it again."))
        reminders.reminders_cancel(appointment)
        _freed_time_offer(appointment)
        access_record(
            access, action=AuditAction.UPDATE, object_type=OBJECT_TYPE, object_id=appointment.pk
        )
    return appointment


@_once_per_submission
def appointment_reschedule(
    *,
    access: PatientAccess,
    appointment_id: uuid.UUID | str,
    starts_at: dt.datetime,
    submission_id: uuid.UUID,
    clinician_id: int | None = None,
    location: Location | None = None,
) -> Appointment:
    """Move a booked visit to another open time, in one transaction: the old appointment is
    cancelled and the new one made together, so the old time is given up only once the new one
    is held. If the new time is taken, SlotTaken is raised and the old visit stands.

    Sending the same `submission_id` again returns the first new appointment.
    """
    old = _appointment_get(access, appointment_id)
    if old.status != AppointmentStatus.BOOKED:
        raise AppointmentError(_("Only a booked visit can be moved."))
    _require_changeable(access, old)
    clinician_id = clinician_id or old.clinician_id
    location = location or old.location
    _may_book(access, old.visit_type, location)
    _require_open(old.visit_type, location, clinician_id, starts_at, ignoring=old.pk)
    try:
        with transaction.atomic():
            # Refuse if the old visit changed since it was read (cancelled by staff meanwhile).
            if not _cancelled(access, old, RESCHEDULED):
                raise AppointmentError(_("This visit has changed. Please look at it again."))
            new = _appointment_insert(
                access,
                old.visit_type,
                location,
                clinician_id,
                starts_at,
                submission_id,
                rescheduled_from=old,
            )
            reminders.reminders_cancel(old)
            reminders.reminders_schedule(new)
            _freed_time_offer(old)
            access_record(
                access, action=AuditAction.UPDATE, object_type=OBJECT_TYPE, object_id=old.pk
            )
            access_record(
                access, action=AuditAction.CREATE, object_type=OBJECT_TYPE, object_id=new.pk
            )
    except IntegrityError:
        old.status = AppointmentStatus.BOOKED
        raise _slot_taken(old.visit_type, location, clinician_id, starts_at) from None
    return new


def appointment_mark(
    *, access: PatientAccess, appointment_id: uuid.UUID | str, status: AppointmentStatus
) -> Appointment:
    """Staff record that the patient arrived, did not come, or was seen (MARKS says from
    which status). Patients and proxies cannot: for them the appointment is not found."""
    section_require(access, Section.APPOINTMENTS)
    if access.role != ActorRole.STAFF:
        raise AppointmentError("Only the clinic can mark a visit.")
    allowed_from = MARKS.get(status)
    if allowed_from is None:
        raise AppointmentError("A visit cannot be marked that way.")
    with transaction.atomic():
        appointment = _appointment_get(access, appointment_id)
        if appointment.status == status:
            return appointment
        if appointment.status not in allowed_from or not _status_claim(
            appointment, appointment.status, status
        ):
            raise AppointmentError(
                f"A visit that is {appointment.get_status_display().lower()} cannot be marked "
                f"{AppointmentStatus(status).label.lower()}."
            )
        appointment.status = status
        access_record(
            access, action=AuditAction.UPDATE, object_type=OBJECT_TYPE, object_id=appointment.pk
        )
    return appointment


def _freed_time_offer(appointment: Appointment) -> None:
    """Once the transaction commits, offer the time this visit gave up to the waitlist."""
    transaction.on_commit(functools.partial(_freed_time_enqueue, str(appointment.pk)), robust=True)


def _freed_time_enqueue(appointment_id: str) -> None:
    from .tasks import offer_freed_time

    offer_freed_time.enqueue(appointment_id)


def _may_book(
    access: PatientAccess, visit_type: VisitType, location: Location, *, invited: bool = False
) -> None:
    if visit_type.organization_id != location.organization_id or not (
        visit_type.is_active and location.is_active
    ):
        raise AppointmentError(_("This visit is not offered at this place."))
    # Patients are seen by their own clinic (staff reach only their clinic's patients anyway).
    if location.organization_id != access.patient.managing_organization_id:
        raise AppointmentError(_("This place is not part of your clinic."))
    if access.role != ActorRole.STAFF and not (visit_type.patients_may_book or invited):
        raise AppointmentError(_("Please ask the clinic to book this visit for you."))


def _require_open(
    visit_type: VisitType,
    location: Location,
    clinician_id: int,
    starts_at: dt.datetime,
    *,
    ignoring: uuid.UUID | None,
    horizon_ends: dt.datetime | None = None,
) -> None:
    local_day = starts_at.astimezone(location.zone).date()
    times = open_times(
        visit_type=visit_type,
        location=location,
        start_date=local_day,
        clinician_id=clinician_id,
        days=1,
        ignoring_appointment=ignoring,
        horizon_ends=horizon_ends,
    )
    if any(time.starts_at == starts_at for time in times):
        return
    if _clinician_busy(clinician_id, starts_at, visit_type, ignoring):
        raise _slot_taken(visit_type, location, clinician_id, starts_at)
    raise SlotNotOpen(
        _("That time is not open for this visit. Please choose one of the times shown.")
    )


def _clinician_busy(
    clinician_id: int, starts_at: dt.datetime, visit_type: VisitType, ignoring: uuid.UUID | None
) -> bool:
    ends_at = starts_at + dt.timedelta(minutes=visit_type.length_minutes)
    return (
        Appointment.objects.filter(
            starting_near(starts_at, ends_at),
            clinician_id=clinician_id,
            status__in=(AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED),
        )
        .exclude(pk=ignoring)
        .exists()
    )


def _slot_taken(
    visit_type: VisitType, location: Location, clinician_id: int, starts_at: dt.datetime
) -> SlotTaken:
    times = open_times(
        visit_type=visit_type,
        location=location,
        start_date=starts_at.astimezone(location.zone).date(),
        clinician_id=clinician_id,
    )
    return SlotTaken([time for time in times if time.starts_at > starts_at][:NEXT_TIMES_OFFERED])


def _appointment_insert(
    access: PatientAccess,
    visit_type: VisitType,
    location: Location,
    clinician_id: int,
    starts_at: dt.datetime,
    submission_id: uuid.UUID,
    rescheduled_from: Appointment | None = None,
) -> Appointment:
    return Appointment.objects.create(
        patient=access.patient,
        clinician_id=clinician_id,
        location=location,
        visit_type=visit_type,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=visit_type.length_minutes),
        booked_by=access.user,
        booked_by_role=access.role,
        submission_id=submission_id,
        rescheduled_from=rescheduled_from,
    )


def _appointment_get(access: PatientAccess, appointment_id: uuid.UUID | str) -> Appointment:
    queryset = Appointment.objects.filter(patient=access.patient).select_related(
        "visit_type", "location"
    )
    return object_get(access, queryset, appointment_id, object_type=OBJECT_TYPE, record=False)


def _require_changeable(access: PatientAccess, appointment: Appointment) -> None:
    if appointment.status != AppointmentStatus.BOOKED:
        raise AppointmentError(_("Only a booked visit can be changed."))
    if access.role == ActorRole.STAFF:
        return
    cutoff = dt.timedelta(hours=appointment.visit_type.cancellation_cutoff_hours)
    if appointment.starts_at - timezone.now() < cutoff:
        phone = appointment.location.phone
        if not phone:
            raise TooLateToChange(
                _("This visit is too soon to change online. Please call the clinic to change it.")
            )
        raise TooLateToChange(
            _("This visit is too soon to change online. Please call %(phone)s to change it.")
            % {"phone": phone}
        )


def _status_claim(appointment: Appointment, current: str, new: str) -> bool:
    # A conditional UPDATE: only one of two concurrent changes finds the old status.
    return bool(
        Appointment.objects.filter(pk=appointment.pk, status=current).update(
            status=new, updated_at=timezone.now()
        )
    )


def _cancelled(access: PatientAccess, appointment: Appointment, reason: str) -> bool:
    """Cancel a booked appointment with a conditional UPDATE; False if it was no longer booked."""
    now = timezone.now()
    claimed = Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
        status=AppointmentStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by=access.user,
        cancellation_reason=reason[:300],
        updated_at=now,
    )
    if not claimed:
        return False
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.cancelled_by = access.user
    appointment.cancellation_reason = reason[:300]
    return True


def _submitted_before(access: PatientAccess, submission_id: uuid.UUID) -> Appointment | None:
    return Appointment.objects.filter(
        patient=access.patient, booked_by=access.user, submission_id=submission_id
    ).first()
