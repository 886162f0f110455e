"""Who may act for which patient, in which role. The only place it is decided.

Every read or write of patient data starts here: `patient_access` resolves a patient id against
what the acting user may see; `patients_for` and `records_for` give querysets already limited to
it. A patient outside the user's scope is "not found", never "forbidden", so the answer does not
confirm that the record exists.

The audit trail records what happened, once per action. A page resolves the patient without
auditing (`patient_access(..., audit=False)`: the access carries the action and object type its
rule names), then writes one event when it knows what it touched: `object_get` finds one object
in the patient's scope and records it with its type and id, or raises `ObjectNotFound`, which is
audited as denied; `access_record` records a page without an object (a list) or a change a
service made. An event written before the lookup would record an intent, not what happened.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from lantern.audit.models import ActorRole, AuditAction, AuditOutcome
from lantern.audit.services import audit_event_record
from lantern.clinical.models import Patient, PatientRecord

from .models import StaffMembership

RecordT = TypeVar("RecordT", bound=PatientRecord)
ModelT = TypeVar("ModelT", bound=models.Model)
# AuditEvent.object_id holds at most this many characters.
OBJECT_ID_LENGTH = 64


class PatientNotFound(Http404):
    """The patient does not exist or the user may not act for them; the two look the same."""


@dataclass
class _AuditState:
    # Mutable inside the frozen PatientAccess: whether an event has been written for it.
    recorded: bool = False


@dataclass(frozen=True)
class PatientAccess:
    """Proof that `user` may act for `patient` in `role`; services take it, not a bare id.

    `action` and `object_type` are what the access rule says the request does; they are the
    defaults of the one event `access_record` or `object_get` writes once the object is known.
    """

    user: models.Model
    patient: Patient
    role: ActorRole
    action: AuditAction = AuditAction.VIEW
    object_type: str = "record"
    audit_state: _AuditState = field(default_factory=_AuditState, compare=False, repr=False)
    # What selectors read once per request for this access and reuse (a page asks for the
    # result release delays several times); an access lives for one request only.
    request_memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def audited(self) -> bool:
        """Whether this access has written its event."""
        return self.audit_state.recorded


class ObjectNotFound(Http404):
    """An object named in the URL is not in the patient's scope (or does not exist).

    A 404 like any other, and a "denied" audit event: `patient_view` writes it with
    `object_denied_record` after the view's transactions have ended, so no rollback removes it.
    """

    def __init__(
        self,
        *,
        access: PatientAccess,
        action: AuditAction,
        model: type[models.Model],
        object_type: str,
        object_id: str,
        owner_field: str,
    ) -> None:
        super().__init__(f"No {object_type} {object_id} for this patient.")
        self.access = access
        self.action = action
        self.model = model
        self.object_type = object_type
        self.object_id = object_id
        self.owner_field = owner_field


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
    return Patient.objects.filter(patient_scope(user, to_patient=""))


def patient_scope(user, *, to_patient: str = "patient") -> Q:
    """The condition "the record's patient is one the user may act for", for a queryset of any
    model that leads to its patient through `to_patient` ("" for Patient itself). A join, not a
    subquery of patients: far cheaper to build and to run on the staff work lists."""
    if not _may_act(user):
        return Q(pk__in=[])
    prefix = f"{to_patient}__" if to_patient else ""
    scope = Q(**{f"{prefix}managing_organization_id__in": _staff_organizations(user)})
    if user.patient_id is not None:
        scope |= Q(**{f"{prefix}pk": user.patient_id})
    return scope


def _patient_in_scope(user, patient_uuid: uuid.UUID) -> Patient | None:
    """The patient when the user may act for them, else None. One's own record is in scope
    without a look at one's clinics (the commonest case, and a cheaper query)."""
    if _may_act(user) and user.patient_id == patient_uuid:
        return Patient.objects.filter(pk=patient_uuid).first()
    return patients_for(user).filter(pk=patient_uuid).first()


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
    audit: bool = True,
) -> PatientAccess:
    """Resolve a patient for the acting user; a patient out of scope is audited as denied.

    With `audit=True` the allowed access is recorded at once (the caller already knows what it
    touches). With `audit=False` nothing is recorded yet: the caller writes the one event with
    `access_record` or `object_get` once it has found the object.
    Raises PatientNotFound when the patient is out of scope or does not exist.
    """
    try:
        patient_uuid = uuid.UUID(str(patient_id))
    except ValueError as error:
        raise PatientNotFound from error
    patient = _patient_in_scope(user, patient_uuid)
    if patient is None:
        _audit_denied(user, patient_uuid, action, object_type, object_id)
        raise PatientNotFound
    access = PatientAccess(
        user=user,
        patient=patient,
        role=role_for(user, patient),
        action=action,
        object_type=object_type,
    )
    if audit:
        access_record(access, object_id=object_id)
    return access


def access_record(
    access: PatientAccess,
    *,
    action: AuditAction | None = None,
    object_type: str | None = None,
    object_id: Any = "",
) -> None:
    """Write the allowed event of an action: what was done, to what.

    `action` and `object_type` default to what the access rule named. Call it once per action,
    after the object is known; `patient_view` then sees that the request was audited.
    """
    audit_event_record(
        actor=access.user,
        patient=access.patient,
        role=access.role,
        action=action or access.action,
        object_type=object_type or access.object_type,
        object_id=str(object_id),
    )
    access.audit_state.recorded = True


def object_get(
    access: PatientAccess,
    queryset: QuerySet[ModelT],
    object_id: Any,
    *,
    action: AuditAction | None = None,
    object_type: str | None = None,
    owner_field: str = "patient_id",
    record: bool = True,
) -> ModelT:
    """The object `object_id` of `queryset` (already limited to the access), audited as found.

    `object_type` defaults to the model's name. With `record=False` the object is only looked
    up (a service records the change it then makes). An id outside the queryset raises
    ObjectNotFound, audited as denied; `owner_field` leads from the model to its patient, so the
    denied event names whose object it was.
    """
    model = queryset.model
    object_type = object_type or model.__name__
    try:
        object_uuid = uuid.UUID(str(object_id))
    except ValueError:
        object_not_found(
            access, model=model, object_id=object_id, action=action, object_type=object_type
        )
    found = queryset.filter(pk=object_uuid).first()
    if found is None:
        object_not_found(
            access,
            model=model,
            object_id=object_uuid,
            action=action,
            object_type=object_type,
            owner_field=owner_field,
        )
    if record:
        access_record(access, action=action, object_type=object_type, object_id=found.pk)
    return found


def object_not_found(
    access: PatientAccess,
    *,
    model: type[models.Model],
    object_id: Any,
    action: AuditAction | None = None,
    object_type: str | None = None,
    owner_field: str = "patient_id",
) -> NoReturn:
    """Raise the 404 for an object outside the patient's scope; it is audited as denied."""
    raise ObjectNotFound(
        access=access,
        action=action or access.action,
        model=model,
        object_type=object_type or model.__name__,
        object_id=str(object_id)[:OBJECT_ID_LENGTH],
        owner_field=owner_field,
    )


def object_denied_record(error: ObjectNotFound) -> None:
    """Audit a refused object lookup; call it once the transaction of the attempt has ended.

    The event names the object's patient when the object exists (a reviewer of that record sees
    the attempt), else no patient. It is never shown to the requester.
    """
    owner_id = None
    try:
        object_uuid = uuid.UUID(error.object_id)
    except ValueError:
        object_uuid = None
    if object_uuid is not None:
        owner_id = (
            error.model._base_manager.filter(pk=object_uuid)
            .values_list(error.owner_field, flat=True)
            .first()
        )
    _audit_denied(error.access.user, owner_id, error.action, error.object_type, error.object_id)


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
    existing = Patient.objects.filter(pk=patient_uuid).first() if patient_uuid else None
    audit_event_record(
        actor=user,
        patient=existing,
        role=ActorRole.NONE,
        action=action,
        outcome=AuditOutcome.DENIED,
        object_type=object_type,
        object_id=object_id or str(patient_uuid),
    )
