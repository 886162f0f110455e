"""Reads of the audit trail: the patient's own access log ("Who looked at my record")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Subquery

from lantern.access.models import StaffMembership, StaffRole
from lantern.access.policy import PatientAccess

from .models import ActorRole, AuditAction, AuditEvent, AuditOutcome

PER_PAGE = 25

# What was looked at, in the patient's words, by the object type the access layer records.
OBJECT_WORDS = {
    "record": "your record",
    "Patient": "your personal details",
    "Observation": "your test results",
    "DiagnosticReport": "your test results",
    "Condition": "your health problems",
    "MedicationRequest": "your medications",
    "AllergyIntolerance": "your allergies",
    "Immunization": "your immunizations",
    "Procedure": "your procedures",
    "Encounter": "your visits",
    "DocumentReference": "your documents",
    "AuditEvent": "who looked at your record",
    "ActivationCode": "your activation code",
}
ACTION_WORDS = {
    AuditAction.VIEW: "Viewed",
    AuditAction.EXPORT: "Downloaded",
    AuditAction.CREATE: "Added to",
    AuditAction.UPDATE: "Changed",
    AuditAction.DELETE: "Deleted from",
}
SYSTEM_IMPORT = "Lantern (system import)"


@dataclass(frozen=True)
class AccessLogEntry:
    who: str
    role: str
    what: str
    occurred_at: dt.datetime


def access_log_page(*, access: PatientAccess, page_number: str | int | None) -> Page:
    """The allowed accesses to the patient's record, newest first, one page of entries.

    The actor's account and their staff role at the patient's clinic come in the same query
    (a join and a subquery), so a page costs the same whatever the accounts on it.
    """
    patient = access.patient
    role_at_clinic = StaffMembership.objects.filter(
        user=OuterRef("actor"), organization_id=patient.managing_organization_id
    ).values("role")[:1]
    events = (
        AuditEvent.objects.filter(patient=patient, outcome=AuditOutcome.ALLOWED)
        .select_related("actor")
        .annotate(staff_role=Subquery(role_at_clinic))
        .order_by("-occurred_at", "-id")
    )
    page = Paginator(events, PER_PAGE).get_page(page_number)
    page.object_list = [_entry(event, access) for event in page.object_list]
    return page


def _entry(event: AuditEvent, access: PatientAccess) -> AccessLogEntry:
    who, role = _who(event, access)
    return AccessLogEntry(who=who, role=role, what=_what(event), occurred_at=event.occurred_at)


def _who(event: AuditEvent, access: PatientAccess) -> tuple[str, str]:
    actor = event.actor
    if event.actor_id is not None and event.actor_id == access.user.pk:
        return "You", _role_words(event)
    # Imports run as the system, without an account.
    if actor is None and (
        event.actor_role == ActorRole.SYSTEM or event.action == AuditAction.IMPORT
    ):
        return SYSTEM_IMPORT, "System"
    name = (actor.get_full_name() or actor.get_username()) if actor else event.actor_label
    if event.actor_role == ActorRole.SELF:
        return access.patient.display_name or name, "Patient"
    return name or "Unknown", _role_words(event)


def _role_words(event: AuditEvent) -> str:
    if event.actor_role == ActorRole.STAFF:
        if event.staff_role:
            return f"{StaffRole(event.staff_role).label} at your clinic"
        return "Clinic staff"
    return ActorRole(event.actor_role).label


def _what(event: AuditEvent) -> str:
    verb = ACTION_WORDS.get(event.action, "Opened")
    thing = OBJECT_WORDS.get(event.object_type, "your record")
    if event.action == AuditAction.IMPORT:
        return f"Added records to {thing}"
    return f"{verb} {thing}"
