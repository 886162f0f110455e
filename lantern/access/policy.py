"""Who may act for which patient, in which role. The only place it is decided.

Every read or write of patient data starts here: `patient_access` resolves a patient id against
what the acting user may see and writes the audit event; `patients_for` and `records_for` give
querysets already limited to it. A patient outside the user's scope is "not found", never
"forbidden", so the answer does not confirm that the record exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from lantern.audit.models import ActorRole, AuditAction, AuditOutcome
from lantern.audit.services import audit_event_record
from lantern.clinical.models import Patient, PatientRecord

from .models import StaffMembership

RecordT = TypeVar("RecordT", bound=PatientRecord)


class PatientNotFound(Http404):
    """The patient does not exist or the user may not act for them; the two look the same."""


@dataclass(frozen=True)
class PatientAccess:
    """Proof that `user` may act for `patient` in `role`; services take it, not a bare id."""

    user: models.Model
    patient: Patient
    role: ActorRole


def _staff_organizations(user) -> QuerySet:
    return StaffMembership.objects.filter(user=user, is_active=True).values("organization_id")


def _may_act(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_staff_member(user) -> bool:
    """The account works for at least one clinic (and may open the staff console)."""
    return _may_act(user) and StaffMembership.objects.filter(user=user, is_active=True).exists()


def staff_organizations(user) -> QuerySet:
    """Ids of the organizations the user is active staff of."""
    return _staff_organizations(user)


def patients_for(user) -> QuerySet[Patient]:
    """Every patient the user may act for: their own record, and their clinics' patients."""
    if not _may_act(user):
        return Patient.objects.none()
    scope = Q(managing_organization_id__in=_staff_organizations(user))
    if user.patient_id is not None:
        scope |= Q(pk=user.patient_id)
    return Patient.objects.filter(scope)


def role_for(user, patient: Patient) -> ActorRole:
    """The role in which the user acts for a patient already known to be in scope."""
    if user.patient_id == patient.pk:
        return ActorRole.SELF
    return ActorRole.STAFF


def patient_access(
    user,
    patient_id: uuid.UUID | str,
    *,
    action: AuditAction = AuditAction.VIEW,
    object_type: str = "record",
    object_id: str = "",
) -> PatientAccess:
    """Resolve a patient for the acting user and audit the access, allowed or denied.

    Raises PatientNotFound when the patient is out of scope or does not exist.
    """
    try:
        patient_uuid = uuid.UUID(str(patient_id))
    except ValueError as error:
        raise PatientNotFound from error
    patient = patients_for(user).filter(pk=patient_uuid).first()
    if patient is None:
        _audit_denied(user, patient_uuid, action, object_type, object_id)
        raise PatientNotFound
    role = role_for(user, patient)
    audit_event_record(
        actor=user,
        patient=patient,
        role=role,
        action=action,
        object_type=object_type,
        object_id=object_id,
    )
    return PatientAccess(user=user, patient=patient, role=role)


def records_for(access: PatientAccess, model: type[RecordT]) -> QuerySet[RecordT]:
    """The records of one kind that belong to the patient this access was granted for."""
    return model.objects.filter(patient=access.patient)


def visible_records(user, model: type[RecordT]) -> QuerySet[RecordT]:
    """Records of one kind across every patient the user may act for (staff work lists)."""
    return model.objects.filter(patient__in=patients_for(user))


def access_denied_record(
    user,
    patient_id: uuid.UUID | str | None,
    *,
    action: AuditAction,
    object_type: str,
    object_id: str,
) -> None:
    """Audit a refused attempt found outside `patient_access` (e.g. an object out of scope).

    Call it after the transaction of the attempt has ended, or the event is rolled back with it.
    """
    _audit_denied(user, patient_id, action, object_type, object_id)


def _audit_denied(user, patient_uuid, action, object_type, object_id) -> None:
    # A denied attempt is a security event. It names the patient only if the record exists, and
    # the trail is for security reviewers, never shown to the requester.
    existing = Patient.objects.filter(pk=patient_uuid).first()
    audit_event_record(
        actor=user,
        patient=existing,
        role=ActorRole.NONE,
        action=action,
        outcome=AuditOutcome.DENIED,
        object_type=object_type,
        object_id=object_id or str(patient_uuid),
    )
