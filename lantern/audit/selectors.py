"""Reads of the audit trail: the patient's own access log ("Who looked at my record")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, Subquery

from lantern.access.models import StaffMembership, StaffRole
from lantern.access.policy import PatientAccess
from lantern.clinical.models import Organization, Patient

from .models import DATA_ACTIONS, ActorRole, AuditAction, AuditEvent, AuditOutcome

PER_PAGE = 25

# What was looked at, in the patient's words, by the object type the access layer records.
OBJECT_WORDS = {
    "record": "your record",
    "Patient": "your personal details",
    "Observation": "your test results",
    "DiagnosticReport": "your test results",
    "Condition": "your health problems",
    "MedicationRequest": "your medications",
    "RefillRequest": "your prescription requests",
    "Task": "your prescription requests",
    "AllergyIntolerance": "your allergies",
    "Immunization": "your immunizations",
    "Procedure": "your procedures",
    "Encounter": "your visits",
    "DocumentReference": "your documents",
    "AuditEvent": "who looked at your record",
    "ActivationCode": "your activation code",
    "dashboard": "your home page",
    # Someone you gave access to saw your name on their list, with your new results and replies.
    "people": "a summary of your new results and messages",
    "ProxyRelationship": "who can help with your care",
    "Appointment": "your appointments",
    "Conversation": "your messages",
    "Message": "your messages",
    "Attachment": "a file in your messages",
    "StaffNote": "a care team note about your messages",
    "EnrollmentRequest": "your request for an account",
    "Bundle": "your record",
    "Account": "your account",
}
ACTION_WORDS = {
    AuditAction.VIEW: "Viewed",
    AuditAction.EXPORT: "Downloaded",
    AuditAction.CREATE: "Added to",
    AuditAction.UPDATE: "Changed",
    AuditAction.DELETE: "Deleted from",
}
# What the patient's access log lists: every access to the record, and the moment an account was
# linked to it.
ACCESS_LOG_ACTIONS = DATA_ACTIONS | {AuditAction.PATIENT_LINKED}
YOU = "You"
CONNECTED_APP = "Connected app"


@dataclass(frozen=True)
class AccessLogEntry:
    who: str
    role: str
    what: str
    occurred_at: dt.datetime


def reads_own_log(access: PatientAccess) -> bool:
    """Whether the reader is the patient: their own visits are the entries that read "You"."""
    return access.user.patient_id == access.patient.pk


def access_log_page(
    *, access: PatientAccess, page_number: str | int | None, include_own: bool = True
) -> Page:
    """The allowed accesses to the patient's record, newest first, one page of entries.

    With `include_own` off, the patient's own visits (the entries that read "You") are left
    out, so the log shows who else looked (the apps they connected among them); a staff
    member or proxy reading it sees every entry.

    The actor's account and their staff role at the patient's clinic come in the same query
    (a join and a subquery), and the clinic's name in one more, so a page costs the same
    whatever the accounts on it.
    """
    patient = access.patient
    role_at_clinic = StaffMembership.objects.filter(
        user=OuterRef("actor"), organization_id=patient.managing_organization_id
    ).values("role")[:1]
    events = (
        AuditEvent.objects.filter(
            patient=patient, outcome=AuditOutcome.ALLOWED, action__in=ACCESS_LOG_ACTIONS
        )
        .select_related("actor")
        .annotate(staff_role=Subquery(role_at_clinic))
        .order_by("-occurred_at", "-id")
    )
    if not include_own and reads_own_log(access):
        # The apps the patient connected read on their behalf but are not their own visits.
        events = events.exclude(Q(actor=access.user) & ~Q(actor_role=ActorRole.APP))
    page = Paginator(events, PER_PAGE).get_page(page_number)
    clinic = _clinic_name(patient)
    page.object_list = [_entry(event, access, clinic) for event in page.object_list]
    return page


def _clinic_name(patient: Patient) -> str:
    if patient.managing_organization_id is None:
        return ""
    names = Organization.objects.filter(pk=patient.managing_organization_id)
    return names.values_list("name", flat=True).first() or ""


def _entry(event: AuditEvent, access: PatientAccess, clinic: str) -> AccessLogEntry:
    who, role = _who(event, access, clinic)
    return AccessLogEntry(who=who, role=role, what=_what(event), occurred_at=event.occurred_at)


def _who(event: AuditEvent, access: PatientAccess, clinic: str) -> tuple[str, str]:
    """Who acted, in the patient's words, and their role: one wording per kind of actor.

    The log speaks to the patient ("your record"), so "You" and the patient's name mean the
    patient. Only the patient's own enrolled account is named so: not whoever reads the log (a
    proxy or staff member reads their own entries under their own name) and not another
    account whose event was recorded in the patient's role.
    """
    actor = event.actor
    role = event.actor_role
    if role == ActorRole.APP:
        return _app_words(event, access), CONNECTED_APP
    if actor is not None and actor.patient_id == access.patient.pk:
        if actor.pk == access.user.pk:
            return YOU, _role_words(event, clinic)
        return access.patient.display_name or "The patient", _role_words(event, clinic)
    name = (actor.get_full_name() or actor.get_username()) if actor else event.actor_label
    if role == ActorRole.SYSTEM or (actor is None and event.action == AuditAction.IMPORT):
        # Imports run as the system, without an account, on behalf of the clinic.
        return f"{clinic or 'Your clinic'} (records import)", "Records import"
    if role == ActorRole.SELF:
        # Recorded as the patient, but by an account that is not the patient's (one linked to
        # the record then, or recorded wrongly): named as itself, never as the patient.
        return f"{name or 'Another account'} (not your account)", "Other account"
    if role == ActorRole.PROXY:
        return f"{name or 'Someone'} (someone you gave access to)", "Proxy"
    if role == ActorRole.STAFF:
        return _staff_words(name or "Clinic staff", event, clinic), _role_words(event, clinic)
    return name or "Unknown", _role_words(event, clinic)


def _app_words(event: AuditEvent, access: PatientAccess) -> str:
    """A connected app by the name it had when it read (the event's label), and who connected
    it: the patient ("you") or the person acting for them who did."""
    app = event.actor_label or "An app"
    actor = event.actor
    if actor is None or actor.patient_id == access.patient.pk:
        return f"{app} (an app you connected)"
    return f"{app} (an app {actor.get_full_name() or actor.get_username()} connected)"


def _staff_words(name: str, event: AuditEvent, clinic: str) -> str:
    if event.staff_role:
        return f"{name}, {StaffRole(event.staff_role).label.lower()} at {clinic or 'your clinic'}"
    return f"{name}, staff at {clinic or 'your clinic'}"


def _role_words(event: AuditEvent, clinic: str) -> str:
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
    if event.action == AuditAction.PATIENT_LINKED:
        return "Linked an account to your record"
    return f"{verb} {thing}"
