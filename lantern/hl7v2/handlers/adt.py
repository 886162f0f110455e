"""ADT^A04, A08, A31: register a patient or update one; A40 (merge) is refused."""

from __future__ import annotations

from lantern.access.policy import PatientAccess, access_record
from lantern.audit.models import ActorRole, AuditAction
from lantern.clinical.models import Organization, Patient, record_uuid

from .errors import Refusal
from .patients import demographics, patient_find
from .results import fhir_id as record_id
from .text import SegmentReader

# Fields an update never changes: the record number patients are matched on and the clinic
# (changing them is a merge or a transfer, which Lantern does not take from a feed).
NOT_UPDATED = frozenset({"mrn", "managing_organization"})


def patient_register_or_update(
    pid: SegmentReader,
    *,
    trigger: str,
    organization: Organization,
    patient: Patient | None,
    source_system: str,
) -> Patient:
    """A04 registers the patient PID names (or updates them if the clinic has them); A08 and
    A31 update a patient the clinic has. Only the fields PID gives are written."""
    fields = demographics(pid)
    existing = patient or patient_find(pid, organization)
    access_fields: dict = {}
    if existing is None:
        if trigger != "A04":
            raise Refusal("patient not found", pid.location(3))
        mrn = fields["mrn"]
        fhir_id = record_id("MRN", mrn)
        existing = Patient(
            id=record_uuid(source_system, "Patient", fhir_id),
            source_system=source_system,
            fhir_id=fhir_id,
            managing_organization=organization,
        )
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save(force_insert=True)
        access_fields = {"action": AuditAction.CREATE}
    else:
        changed = []
        for name, value in fields.items():
            if name in NOT_UPDATED and getattr(existing, name):
                continue
            if getattr(existing, name) != value:
                setattr(existing, name, value)
                changed.append(name)
        if changed:
            existing.save(update_fields=[*changed, "updated_at"])
        access_fields = {"action": AuditAction.UPDATE}
    access = PatientAccess(user=None, patient=existing, role=ActorRole.SYSTEM)
    access_record(access, object_type="Patient", object_id=existing.pk, **access_fields)
    return existing
