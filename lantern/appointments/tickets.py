"""Booking invitations ("tickets"): the clinic asks a patient to book one visit themselves.

A member of the clinic's staff chooses the visit type, optionally the place and clinician, and
the dates it may be booked between; the patient (or a proxy with the appointments permission)
sees it on their home page and books it through the usual booking pages, even when the visit
type is not one patients may book on their own. Booking uses the ticket up in the transaction
that makes the appointment (`ticket_claim`), so one ticket books one visit.

Every function takes the authorized `PatientAccess` and requires its appointments section;
writes are audited as "BookingTicket".
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.access.models import Section, StaffMembership
from lantern.access.policy import PatientAccess, access_record, object_get, section_require
from lantern.audit.models import ActorRole, AuditAction
from lantern.notifications.models import NotificationEvent
from lantern.notifications.preferences import notify_patient_accounts

from .models import (
    Appointment,
    BookingTicket,
    BookingTicketStatus,
    Location,
    VisitType,
)

OBJECT_TYPE = "BookingTicket"
# How far ahead a ticket may reach, and how many a page lists at most.
LONGEST_TICKET = dt.timedelta(days=365)
TICKETS_LISTED = 10


class TicketError(Exception):
    """A ticket that cannot be sent or used; the message says why in plain words."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def ticket_send(
    *,
    access: PatientAccess,
    visit_type: VisitType,
    location: Location | None,
    clinician_id: int | None,
    earliest_on: dt.date,
    latest_on: dt.date,
    note: str,
    submission_id: uuid.UUID,
) -> BookingTicket:
    """Staff invite the access's patient to book `visit_type` between two clinic dates.

    Sending the same `submission_id` again returns the first ticket.
    """
    section_require(access, Section.APPOINTMENTS)
    if access.role != ActorRole.STAFF:
        raise TicketError("Only the clinic can invite a patient to book.")
    earlier = _sent_before(access, submission_id)
    if earlier is not None:
        return earlier
    _check_ticket(access, visit_type, location, clinician_id, earliest_on, latest_on)
    try:
        with transaction.atomic():
            ticket = BookingTicket.objects.create(
                patient=access.patient,
                visit_type=visit_type,
                location=location,
                clinician_id=clinician_id,
                earliest_on=earliest_on,
                latest_on=latest_on,
                note=note.strip()[:300],
                sent_by=access.user,
                submission_id=submission_id,
            )
            access_record(
                access, action=AuditAction.CREATE, object_type=OBJECT_TYPE, object_id=ticket.pk
            )
            # The patient and their proxies who help with appointments hear of it, as each chose;
            # the message does not say which visit.
            notify_patient_accounts(
                patient=access.patient,
                event=NotificationEvent.BOOKING_INVITATION,
                dedupe_key=f"booking-invitation:{ticket.pk}",
            )
    except IntegrityError:
        winner = _sent_before(access, submission_id)
        if winner is None:
            raise
        return winner
    return ticket


def ticket_withdraw(*, access: PatientAccess, ticket_id: uuid.UUID | str) -> BookingTicket:
    """Staff take back a ticket that was not used yet. Withdrawing twice changes nothing."""
    section_require(access, Section.APPOINTMENTS)
    if access.role != ActorRole.STAFF:
        raise TicketError("Only the clinic can withdraw an invitation.")
    with transaction.atomic():
        ticket = _ticket_get(access, ticket_id)
        if ticket.status == BookingTicketStatus.WITHDRAWN:
            return ticket
        claimed = BookingTicket.objects.filter(
            pk=ticket.pk, status=BookingTicketStatus.OPEN
        ).update(status=BookingTicketStatus.WITHDRAWN, updated_at=timezone.now())
        if not claimed:
            raise TicketError("This invitation was already used to book a visit.")
        ticket.status = BookingTicketStatus.WITHDRAWN
        access_record(
            access, action=AuditAction.UPDATE, object_type=OBJECT_TYPE, object_id=ticket.pk
        )
    return ticket


def tickets_open(access: PatientAccess) -> list[BookingTicket]:
    """The patient's tickets that can still be booked, soonest to lapse first (one query)."""
    section_require(access, Section.APPOINTMENTS)
    today = timezone.localdate()
    return list(
        BookingTicket.objects.filter(
            patient=access.patient, status=BookingTicketStatus.OPEN, latest_on__gte=today
        )
        .select_related("visit_type", "location", "clinician")
        .order_by("latest_on", "created_at")[:TICKETS_LISTED]
    )


def tickets_recent(access: PatientAccess) -> list[BookingTicket]:
    """The patient's latest tickets whatever became of them, for the console (one query)."""
    section_require(access, Section.APPOINTMENTS)
    return list(
        BookingTicket.objects.filter(patient=access.patient)
        .select_related("visit_type", "location", "clinician", "appointment__location")
        .order_by("-created_at")[:TICKETS_LISTED]
    )


def ticket_for_booking(access: PatientAccess, ticket_id: uuid.UUID | str) -> BookingTicket:
    """The patient's ticket that can still be booked; 404 for any other (used, lapsed,
    withdrawn, or someone else's)."""
    section_require(access, Section.APPOINTMENTS)
    queryset = BookingTicket.objects.filter(
        patient=access.patient,
        status=BookingTicketStatus.OPEN,
        latest_on__gte=timezone.localdate(),
    ).select_related("visit_type", "location", "clinician")
    return object_get(access, queryset, ticket_id, object_type=OBJECT_TYPE, record=False)


def ticket_allows(
    ticket: BookingTicket,
    *,
    visit_type: VisitType,
    location: Location,
    clinician_id: int,
    starts_at: dt.datetime,
) -> bool:
    """Whether booking this visit, place, clinician and time is what the ticket invites."""
    local_day = starts_at.astimezone(location.zone).date()
    return (
        visit_type.pk == ticket.visit_type_id
        and ticket.location_id in (None, location.pk)
        and ticket.clinician_id in (None, clinician_id)
        and ticket.earliest_on <= local_day <= ticket.latest_on
    )


def ticket_claim(ticket: BookingTicket, appointment: Appointment) -> None:
    """Use the ticket up for `appointment`, inside the booking's transaction: a conditional
    UPDATE, so of two bookings with one ticket only the first gets it."""
    claimed = BookingTicket.objects.filter(pk=ticket.pk, status=BookingTicketStatus.OPEN).update(
        status=BookingTicketStatus.USED, appointment=appointment, updated_at=timezone.now()
    )
    if not claimed:
        raise TicketError(_("This invitation was already used to book a visit."))
    ticket.status = BookingTicketStatus.USED
    ticket.appointment = appointment


def ticket_horizon_ends(ticket: BookingTicket, location: Location) -> dt.datetime:
    """The end of the ticket's last day at `location`: the last moment a visit may start."""
    last_day = ticket.latest_on + dt.timedelta(days=1)
    return dt.datetime.combine(last_day, dt.time.min, tzinfo=location.zone)


def _check_ticket(
    access: PatientAccess,
    visit_type: VisitType,
    location: Location | None,
    clinician_id: int | None,
    earliest_on: dt.date,
    latest_on: dt.date,
) -> None:
    clinic_id = access.patient.managing_organization_id
    if visit_type.organization_id != clinic_id or not visit_type.is_active:
        raise TicketError("Choose a visit this clinic offers.", "visit_type")
    if location is not None and (location.organization_id != clinic_id or not location.is_active):
        raise TicketError("Choose one of this clinic's places.", "location")
    if clinician_id is not None and not _works_at_clinic(clinician_id, clinic_id):
        raise TicketError("Choose one of this clinic's clinicians.", "clinician")
    today = timezone.localdate()
    if earliest_on < today:
        raise TicketError("The first day cannot be in the past.", "earliest_on")
    if latest_on < earliest_on:
        raise TicketError("The last day must be on or after the first day.", "latest_on")
    if latest_on > today + LONGEST_TICKET:
        raise TicketError("The last day must be within a year from today.", "latest_on")


def _works_at_clinic(user_id: int, organization_id: object) -> bool:
    return StaffMembership.objects.filter(
        user_id=user_id, organization_id=organization_id, is_active=True
    ).exists()


def _ticket_get(access: PatientAccess, ticket_id: uuid.UUID | str) -> BookingTicket:
    queryset = BookingTicket.objects.filter(patient=access.patient)
    return object_get(access, queryset, ticket_id, object_type=OBJECT_TYPE, record=False)


def _sent_before(access: PatientAccess, submission_id: uuid.UUID) -> BookingTicket | None:
    return BookingTicket.objects.filter(
        patient=access.patient, sent_by=access.user, submission_id=submission_id
    ).first()
