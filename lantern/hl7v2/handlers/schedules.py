"""SIU^S12-S15: the clinic's scheduling system books, moves, changes and cancels visits.

The scheduling system is the source of truth for its visits, so a visit it books is recorded at
the time it says, whether or not that time is open in Lantern's weekly hours; the database's
rule that a clinician has one live visit at a time still holds (a clash is AE). A visit is known
by its filler appointment id (SCH-2, else the placer's, SCH-1), kept as the appointment's
`submission_id` (a UUID made from the sender and the id), with no booker: the interface books.
S12 and S14 for a visit not seen before book it (a feed that starts mid-stream loses nothing);
S13, or an S12/S14 that changes the time, clinician or place, moves it as Lantern moves a visit
(the old one cancelled, the new one linked to it); S15 cancels. Reminders are written and
cancelled, and freed times offered to the waitlist, as for visits booked in the portal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from lantern.access.models import StaffMembership, StaffRole
from lantern.access.policy import PatientAccess, access_record
from lantern.appointments import reminders
from lantern.appointments.models import (
    LONGEST_VISIT,
    Appointment,
    AppointmentStatus,
    Location,
    VisitType,
)
from lantern.appointments.services import RESCHEDULED, _freed_time_offer
from lantern.audit.models import ActorRole, AuditAction
from lantern.clinical.models import Organization, Patient, record_uuid

from .datatypes import coded_field, parse_moment
from .errors import Refusal
from .results import fhir_id
from .text import SegmentReader

OBJECT_TYPE = "Appointment"
# SCH-25 filler status (HL7 table 0278, and "Arrived", which some systems send) in Lantern's
# statuses; any other status books the visit.
FILLER_STATUS = {
    "BOOKED": AppointmentStatus.BOOKED,
    "OVERBOOK": AppointmentStatus.BOOKED,
    "PENDING": AppointmentStatus.BOOKED,
    "WAITLIST": AppointmentStatus.BOOKED,
    "ARRIVED": AppointmentStatus.ARRIVED,
    "STARTED": AppointmentStatus.ARRIVED,
    "COMPLETE": AppointmentStatus.COMPLETED,
    "NOSHOW": AppointmentStatus.NO_SHOW,
    "CANCELLED": AppointmentStatus.CANCELLED,
    "DC": AppointmentStatus.CANCELLED,
    "DELETED": AppointmentStatus.CANCELLED,
}
MINUTES_PER_UNIT = {"MIN": 1, "M": 1, "MINUTES": 1, "H": 60, "HR": 60, "HOURS": 60, "S": 1 / 60}
DEFAULT_MINUTES = 30


@dataclass(frozen=True)
class Visit:
    location: Location
    visit_type: VisitType
    clinician_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str


def _first(readers: list[SegmentReader], name: str) -> SegmentReader | None:
    return next((reader for reader in readers if reader.name == name), None)


def _location(readers: list[SegmentReader], organization: Organization) -> Location:
    for reader, number in ((_first(readers, "AIL"), 3), (_first(readers, "PV1"), 3)):
        if reader is None:
            continue
        names = [name for name in (reader.text(number, 4), reader.text(number, 1)) if name]
        if not names:
            continue
        places = Location.objects.filter(organization=organization)
        for name in names:
            found = places.filter(name__iexact=name).first()
            if found is not None:
                return found
        # A place the clinic's schedule names but Lantern does not know yet: kept, in the
        # clinic's zone, so the visit can be shown; staff complete its address in the console.
        return Location.objects.create(
            organization=organization, name=names[0][:200], time_zone=settings.TIME_ZONE
        )
    places = list(Location.objects.filter(organization=organization, is_active=True)[:2])
    if len(places) == 1:
        return places[0]
    raise Refusal("the message names no location (AIL-3)", "AIL^1^3")


def _clinician(readers: list[SegmentReader], organization: Organization) -> int:
    for reader, number in ((_first(readers, "AIP"), 3), (_first(readers, "PV1"), 7)):
        if reader is None or not reader.text(number, 2):
            continue
        family, given = reader.text(number, 2), reader.text(number, 3)
        clinicians = StaffMembership.objects.filter(
            organization=organization,
            role=StaffRole.CLINICIAN,
            is_active=True,
            user__is_active=True,
            user__last_name__iexact=family,
        )
        if given:
            clinicians = clinicians.filter(user__first_name__iexact=given)
        found = list(clinicians.values_list("user_id", flat=True).distinct()[:2])
        if len(found) == 1:
            return found[0]
        reason = "more than one clinician matches" if found else "clinician not found"
        raise Refusal(reason, reader.location(number))
    raise Refusal("the message names no clinician (AIP-3)", "AIP^1^3")


def _minutes(amount: str, units: str) -> float | None:
    try:
        value = float(amount)
    except ValueError:
        return None
    factor = MINUTES_PER_UNIT.get(units.strip().upper())
    return value * factor if factor and value > 0 else None


def _times(
    readers: list[SegmentReader], sch: SegmentReader, zone: dt.tzinfo
) -> tuple[dt.datetime, float | None]:
    ais, tq1 = _first(readers, "AIS"), _first(readers, "TQ1")
    start = None
    for reader, number, component in ((ais, 4, 1), (tq1, 7, 1), (sch, 11, 4)):
        if reader is not None and reader.text(number, component):
            start = parse_moment(reader.text(number, component), reader.location(number), zone=zone)
            break
    if start is None or start.precision:
        raise Refusal("the appointment has no start time (AIS-4, TQ1-7 or SCH-11)", "SCH^1^11")
    minutes = None
    if ais is not None:
        minutes = _minutes(ais.text(7), ais.text(8, 1))
    if minutes is None and tq1 is not None and tq1.text(8):
        end = parse_moment(tq1.text(8), tq1.location(8), zone=zone)
        if end is not None and end.at > start.at:
            minutes = (end.at - start.at).total_seconds() / 60
    if minutes is None:
        minutes = _minutes(sch.text(9), sch.text(10, 1))
    return start.at, minutes


def _visit_type(
    readers: list[SegmentReader], sch: SegmentReader, organization: Organization, minutes
) -> VisitType:
    ais = _first(readers, "AIS")
    names = [coded_field(ais, 3).text] if ais is not None else []
    names += [coded_field(sch, 8).text, coded_field(sch, 7).text]
    name = next((name for name in names if name), "")
    if not name:
        raise Refusal("the message names no kind of visit (AIS-3 or SCH-8)", "SCH^1^8")
    found = VisitType.objects.filter(organization=organization, name__iexact=name).first()
    if found is not None:
        return found
    # A kind of visit only the clinic books: patients cannot book it in the portal.
    length = round(minutes or DEFAULT_MINUTES)
    return VisitType.objects.create(
        organization=organization,
        name=name[:200],
        length_minutes=min(max(length, 5), 480),
        patients_may_book=False,
    )


def _visit(readers: list[SegmentReader], sch: SegmentReader, organization: Organization) -> Visit:
    location = _location(readers, organization)
    starts_at, minutes = _times(readers, sch, location.zone)
    visit_type = _visit_type(readers, sch, organization, minutes)
    clinician_id = _clinician(readers, organization)
    length = dt.timedelta(minutes=minutes or visit_type.length_minutes)
    if length > LONGEST_VISIT:
        raise Refusal("the visit is longer than a day", "SCH^1^9")
    status = FILLER_STATUS.get(coded_field(sch, 25).code.upper(), AppointmentStatus.BOOKED)
    return Visit(location, visit_type, clinician_id, starts_at, starts_at + length, status)


def _insert(
    access: PatientAccess, visit: Visit, key, rescheduled_from: Appointment | None
) -> Appointment:
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                patient=access.patient,
                clinician_id=visit.clinician_id,
                location=visit.location,
                visit_type=visit.visit_type,
                starts_at=visit.starts_at,
                ends_at=visit.ends_at,
                status=visit.status
                if visit.status != AppointmentStatus.CANCELLED
                else AppointmentStatus.BOOKED,
                booked_by=None,
                booked_by_role=access.role,
                submission_id=key,
                rescheduled_from=rescheduled_from,
            )
    except IntegrityError:
        raise Refusal("the clinician has another visit at that time", "AIP^1^3") from None
    if appointment.status == AppointmentStatus.BOOKED:
        reminders.reminders_schedule(appointment)
    access_record(
        access, action=AuditAction.CREATE, object_type=OBJECT_TYPE, object_id=appointment.pk
    )
    return appointment


def _cancel(access: PatientAccess, appointment: Appointment, reason: str) -> None:
    if appointment.status == AppointmentStatus.CANCELLED:
        return
    now = timezone.now()
    Appointment.objects.filter(pk=appointment.pk).update(
        status=AppointmentStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by=None,
        cancellation_reason=reason[:300],
        updated_at=now,
    )
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.cancellation_reason = reason[:300]
    reminders.reminders_cancel(appointment)
    if appointment.starts_at > now:
        _freed_time_offer(appointment)
    access_record(
        access, action=AuditAction.UPDATE, object_type=OBJECT_TYPE, object_id=appointment.pk
    )


def _appointment_id(sch: SegmentReader) -> str:
    for number in (2, 1):
        if sch.text(number, 1):
            return "^".join(value for value in (sch.text(number, 1), sch.text(number, 2)) if value)
    raise Refusal("SCH-1 and SCH-2 have no appointment id", "SCH^1^2")


def schedule_apply(
    readers: list[SegmentReader],
    *,
    trigger: str,
    patient: Patient,
    organization: Organization,
    source_system: str,
) -> Appointment:
    sch = _first(readers, "SCH")
    if sch is None:
        raise Refusal("the message has no SCH segment", "SCH^1")
    key = record_uuid(source_system, "Appointment", fhir_id("SCH", _appointment_id(sch)))
    existing = (
        Appointment.objects.filter(submission_id=key, booked_by__isnull=True)
        .select_related("location")
        .order_by("-created_at")
        .first()
    )
    if existing is not None and existing.patient_id != patient.pk:
        raise Refusal("the appointment id belongs to another patient", sch.location(2))
    access = PatientAccess(user=None, patient=patient, role=ActorRole.SYSTEM)
    if trigger == "S15":
        if existing is None:
            raise Refusal("appointment not found", sch.location(2))
        reason = coded_field(sch, 6)
        _cancel(access, existing, reason.text if reason else "Cancelled by the clinic")
        return existing
    visit = _visit(readers, sch, organization)
    if existing is None or existing.status == AppointmentStatus.CANCELLED:
        appointment = _insert(access, visit, key, None)
    elif (
        existing.starts_at != visit.starts_at
        or existing.ends_at != visit.ends_at
        or existing.clinician_id != visit.clinician_id
        or existing.location_id != visit.location.pk
    ):
        _cancel(access, existing, RESCHEDULED)
        appointment = _insert(access, visit, key, existing)
    else:
        appointment = existing
        changed = []
        if appointment.visit_type_id != visit.visit_type.pk:
            appointment.visit_type = visit.visit_type
            changed.append("visit_type")
        if visit.status not in (appointment.status, AppointmentStatus.CANCELLED):
            appointment.status = visit.status
            changed.append("status")
            if visit.status != AppointmentStatus.BOOKED:
                reminders.reminders_cancel(appointment)
        if changed:
            appointment.save(update_fields=[*changed, "updated_at"])
            access_record(
                access, action=AuditAction.UPDATE, object_type=OBJECT_TYPE, object_id=appointment.pk
            )
    if visit.status == AppointmentStatus.CANCELLED:
        _cancel(access, appointment, coded_field(sch, 6).text or "Cancelled by the clinic")
    return appointment
