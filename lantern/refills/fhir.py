"""Refill requests as FHIR R4 `Task` resources, for the patient's FHIR download.

Each request is a Task (as FHIR's own "Refill Request" example, Task/example3, and the GP Connect
prescriptions draft): intent `order`, `focus` the prescription, `for` the patient, a code saying
refill or renewal, the status mapped to Task's, `statusReason` for a denial, `businessStatus`
for the pharmacy's progress and the patient's note. Each resource is validated with
fhir.resources before it is returned.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.interop.fhir_export.datatypes import compact, instant, ref, url_of

from .models import RefillKind, RefillRequest, RefillStatus

Resource = dict[str, Any]
# The export reads at most this many requests (newest first); a patient makes a few a year.
EXPORT_LIMIT = 5000
TASK_STATUS = {
    RefillStatus.REQUESTED: "requested",
    RefillStatus.APPROVED: "accepted",
    RefillStatus.DENIED: "rejected",
    RefillStatus.CANCELLED: "cancelled",
    RefillStatus.COMPLETED: "completed",
}
SNOMED = "http://snomed.info/sct"
TASK_CODE = {
    RefillKind.REFILL: {"text": "Refill request"},
    RefillKind.RENEWAL: {
        "coding": [{"system": SNOMED, "code": "103742009", "display": "Renewal of prescription"}],
        "text": "Renewal request",
    },
}
BUSINESS_STATUS_SYSTEM = "https://lantern.invalid/fhir/CodeSystem/refill-progress"


class TaskExportError(ValueError):
    """A request could not be written as a valid Task (the message names it)."""


def export_refill_request(refill: RefillRequest) -> Resource:
    """One request as a Task resource (a dict ready for JSON)."""
    requester = (
        ref(refill.patient_id)
        if refill.requested_by_role == ActorRole.SELF
        else {"display": "Someone acting for the patient"}
    )
    return compact(
        {
            "resourceType": "Task",
            "id": str(refill.pk),
            "status": TASK_STATUS[RefillStatus(refill.status)],
            "statusReason": {"text": refill.status_reason} if refill.status_reason else None,
            "businessStatus": _business_status(refill),
            "intent": "order",
            "code": TASK_CODE[RefillKind(refill.kind)],
            "focus": ref(refill.medication_id),
            "for": ref(refill.patient_id),
            "authoredOn": instant(refill.created_at),
            "lastModified": instant(refill.updated_at),
            "requester": requester,
            "note": [{"text": refill.comment}] if refill.comment else None,
        }
    )


def _business_status(refill: RefillRequest) -> Resource | None:
    if not refill.business_status:
        return None
    label = refill.get_business_status_display()
    return {
        "coding": [
            {"system": BUSINESS_STATUS_SYSTEM, "code": refill.business_status, "display": label}
        ],
        "text": label,
    }


def refill_task_entries(access: PatientAccess) -> list[Resource]:
    """The patient's requests as Bundle entries, validated (one query)."""
    refills = RefillRequest.objects.filter(patient=access.patient).order_by("-created_at", "pk")
    entries = []
    for refill in refills[:EXPORT_LIMIT]:
        resource = export_refill_request(refill)
        _validate(resource)
        entries.append({"fullUrl": url_of(refill.pk), "resource": resource})
    return entries


def _validate(resource: Resource) -> None:
    try:
        get_fhir_model_class("Task").model_validate(resource)
    except ValidationError as error:
        raise TaskExportError(f"Task/{resource.get('id')} is not valid FHIR R4: {error}") from error
