"""One appointment as its pages show it, with what may be done with it now."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from lantern.access.policy import (
    PatientAccess,
    access_template,
    access_values,
    object_get_statement,
)
from lantern.audit.models import ActorRole, AuditAction
from lantern.core.statements import Statement, param_for

from ..models import Appointment, AppointmentStatus
from ..selectors import records_for_appointments

# One appointment of the patient's with what its pages show, built once per process
# (lantern/core/statements.py): the patient's appointments as the policy limits them, by key.
_APPOINTMENT = Statement(
    lambda: (
        records_for_appointments(access_template(ActorRole.SELF))
        .select_related("clinician", "location__organization", "visit_type", "waitlist_entry")
        .filter(pk=param_for(Appointment, "id"))
        .order_by()[:1]
    )
)


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
    appointment = object_get_statement(
        access,
        _APPOINTMENT,
        appointment_id,
        model=Appointment,
        values=access_values(access),
        action=action,
        object_type="Appointment",
        record=record,
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
