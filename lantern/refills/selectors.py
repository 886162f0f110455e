"""Reads for prescription refills: the state of each prescription, the request form's choices,
one request with its history, and the clinic's queue.

Patient-side functions take the PatientAccess the view was granted and read only that patient's
rows; the queue reads only requests of the staff member's clinics. Every function costs a fixed
number of queries whatever the number of medicines or requests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from lantern.access import policy
from lantern.access.models import Section, StaffMembership, StaffRole
from lantern.access.policy import PatientAccess, access_template, access_values, records_for
from lantern.accounts.models import User
from lantern.audit.models import ActorRole, AuditAction
from lantern.clinical.models import (
    MedicationRequest,
    MedicationRequestStatus,
    Organization,
    Patient,
)
from lantern.core.statements import Param, Statement, StatementRows, param_for

from .eligibility import Eligibility, eligibility_for
from .models import (
    ControlledMedicine,
    PatientPharmacy,
    Pharmacy,
    RefillRequest,
    RefillRequestEvent,
    RefillStatus,
)
from .plain_names import plain_name

AUDIT_OBJECT_TYPE = "RefillRequest"
# The request form offers at most this many active medicines; nobody takes more.
REQUESTABLE_LIMIT = 100
# The clinic's pharmacies offered in the form, and a patient's saved ones.
PHARMACY_LIMIT = 300
SAVED_PHARMACY_LIMIT = 20
# The medications page shows this many of the latest requests; each links to its history.
RECENT_REQUESTS_LIMIT = 10
# One request's history holds a handful of steps; this bounds a corrupted one.
HISTORY_LIMIT = 50
# Staff offered in "Assign to"; a clinic has far fewer.
COLLEAGUES_LIMIT = 500


class RefillNotFound(Http404):
    """The request does not exist or is not in the staff member's queue; the two look the same."""


@dataclass(frozen=True)
class MedicationRow:
    """A prescription with its latest request and what the patient can do about it."""

    medication: MedicationRequest
    last_request: RefillRequest | None
    eligibility: Eligibility

    @property
    def plain_name(self) -> str:
        """The medicine in everyday words where known ("" otherwise)."""
        return plain_name(self.medication)


def medications_with_refill_state(
    queryset: QuerySet[MedicationRequest], *, organization_id: uuid.UUID | Param | None
) -> QuerySet[MedicationRequest]:
    """`queryset` annotated with whether the clinic marks each medicine as controlled and the id
    of its latest request, in the same query (`organization_id` may be a statement's `Param`)."""
    latest = RefillRequest.objects.filter(medication=OuterRef("pk")).order_by("-created_at", "-pk")
    controlled = ControlledMedicine.objects.filter(
        organization_id=organization_id,
        code_system=OuterRef("code_system"),
        code=OuterRef("code"),
    )
    return queryset.annotate(
        controlled=Exists(controlled), last_request_id=Subquery(latest.values("pk")[:1])
    )


def medication_rows(
    *, access: PatientAccess, medications: Sequence[MedicationRequest]
) -> list[MedicationRow]:
    """Rows for medicines read through `medications_with_refill_state` (one more query)."""
    wanted = [m.last_request_id for m in medications if m.last_request_id is not None]
    latest = (
        _REQUESTS_BY_ID.objects(
            (len(wanted),),
            **access_values(access),
            **{f"id{index}": request_id for index, request_id in enumerate(wanted)},
        )
        if wanted
        else []
    )
    by_id = {request.pk: request for request in latest}
    phone = _clinic_phone(access)
    rows = []
    for medication in medications:
        last = by_id.get(medication.last_request_id)
        open_request = last if last is not None and last.is_waiting else None
        rows.append(
            MedicationRow(
                medication=medication,
                last_request=last,
                eligibility=eligibility_for(
                    medication,
                    controlled=medication.controlled,
                    open_request=open_request,
                    clinic_phone=phone,
                ),
            )
        )
    return rows


def _clinic_phone(access: PatientAccess) -> str:
    patient = access.patient
    if patient.managing_organization_id is None:
        return ""
    if Patient.managing_organization.is_cached(patient):
        return patient.managing_organization.phone.strip()
    # Only the number, not the whole clinic row (the page needs nothing else of it).
    found = _CLINIC_PHONE.tuples(id=patient.managing_organization_id)
    return (found[0][0] if found else "").strip()


# The medicines pages' queries, built once per process (lantern/core/statements.py).
_REQUESTS_BY_ID = Statement(
    lambda count: RefillRequest.objects.filter(
        patient=access_template(ActorRole.SELF).patient,
        pk__in=[Param(f"id{index}", RefillRequest._meta.pk) for index in range(count)],
    ).select_related("pharmacy")
)
_CLINIC_PHONE = Statement(
    lambda: (
        Organization.objects.filter(pk=param_for(Organization, "id"))
        .order_by("pk")
        .values_list("phone")[:1]
    )
)


def _active_medications(
    access: PatientAccess, organization_id: uuid.UUID | Param | None
) -> QuerySet[MedicationRequest]:
    medications = records_for(access, MedicationRequest).filter(
        status=MedicationRequestStatus.ACTIVE
    )
    return medications_with_refill_state(
        medications.select_related("prescriber").order_by("display", "pk"),
        organization_id=organization_id,
    )


# The request form's medicines, built once per process (lantern/core/statements.py); its shape:
# whether the patient has a clinic (whose list of controlled medicines applies).
_ACTIVE_MEDICATIONS = Statement(
    lambda has_clinic: _active_medications(
        access_template(ActorRole.SELF),
        param_for(Patient, "managing_organization", "clinic") if has_clinic else None,
    )[:REQUESTABLE_LIMIT]
)


def active_medication_rows(
    *, access: PatientAccess, only: Sequence[uuid.UUID] | None = None
) -> list[MedicationRow]:
    """The patient's active prescriptions (at most REQUESTABLE_LIMIT), by name, each with what
    can be done about it; with `only`, just those ids."""
    clinic = access.patient.managing_organization_id
    if only is None:
        medications = _ACTIVE_MEDICATIONS.objects(
            (clinic is not None,), **access_values(access), clinic=clinic
        )
    else:
        medications = list(
            _active_medications(access, clinic).filter(pk__in=list(only))[:REQUESTABLE_LIMIT]
        )
    return medication_rows(access=access, medications=medications)


@dataclass(frozen=True)
class PharmacyChoices:
    saved: list[Pharmacy]
    default: Pharmacy | None
    clinic: list[Pharmacy]

    def find(self, pharmacy_id: str) -> Pharmacy | None:
        for pharmacy in self.saved + self.clinic:
            if str(pharmacy.pk) == str(pharmacy_id):
                return pharmacy
        return None


def pharmacy_choices(*, access: PatientAccess) -> PharmacyChoices:
    """The patient's saved pharmacies (default first) and the rest of the clinic's list."""
    saved_rows = _SAVED_PHARMACIES.objects(**access_values(access))
    saved = [row.pharmacy for row in saved_rows]
    default = next((row.pharmacy for row in saved_rows if row.is_default), None)
    organization_id = access.patient.managing_organization_id
    clinic = _CLINIC_PHARMACIES.objects(
        (organization_id is not None, len(saved)),
        clinic=organization_id,
        **{f"saved{index}": pharmacy.pk for index, pharmacy in enumerate(saved)},
    )
    return PharmacyChoices(saved=saved, default=default, clinic=clinic)


def _clinic_pharmacies(has_clinic: bool, saved: int) -> QuerySet[Pharmacy]:
    return (
        Pharmacy.objects.filter(
            organization_id=param_for(Pharmacy, "organization", "clinic") if has_clinic else None,
            active=True,
        )
        .exclude(pk__in=[Param(f"saved{index}", Pharmacy._meta.pk) for index in range(saved)])
        .order_by("name", "pk")[:PHARMACY_LIMIT]
    )


# The request form's pharmacies, built once per process (lantern/core/statements.py): the
# patient's saved ones, and the clinic's others (by whether there is a clinic, and how many
# saved ones to leave out).
_SAVED_PHARMACIES = Statement(
    lambda: (
        PatientPharmacy.objects.filter(
            patient=access_template(ActorRole.SELF).patient, pharmacy__active=True
        )
        .select_related("pharmacy")
        .order_by("-is_default", "created_at", "pk")[:SAVED_PHARMACY_LIMIT]
    )
)
_CLINIC_PHARMACIES = Statement(_clinic_pharmacies)


def refill_requests_recent(*, access: PatientAccess) -> list[RefillRequest]:
    """The patient's latest requests, newest first, for the medications page."""
    return _RECENT.objects(**access_values(access))


_RECENT = Statement(
    lambda: (
        RefillRequest.objects.filter(patient=access_template(ActorRole.SELF).patient)
        .select_related("medication", "pharmacy")
        .order_by("-created_at", "-pk")[:RECENT_REQUESTS_LIMIT]
    )
)


def pending_for_patient(access: PatientAccess) -> QuerySet[RefillRequest]:
    """The patient's requests that wait for the clinic (for a count: the home page's card)."""
    return RefillRequest.objects.filter(patient=access.patient, status=RefillStatus.REQUESTED)


@dataclass(frozen=True)
class RefillDetail:
    refill: RefillRequest
    history: list[RefillRequestEvent]


def _history(refill: RefillRequest) -> list[RefillRequestEvent]:
    return list(
        RefillRequestEvent.objects.filter(refill_request=refill)
        .select_related("by")
        .order_by("at", "pk")[:HISTORY_LIMIT]
    )


def refill_detail(
    *, access: PatientAccess, refill_id: uuid.UUID, record: bool = True
) -> RefillDetail:
    """One of the patient's requests with its history; another patient's is "not found"."""
    refill = policy.object_get(
        access,
        RefillRequest.objects.filter(patient=access.patient).select_related(
            "medication", "medication__prescriber", "pharmacy"
        ),
        refill_id,
        object_type=AUDIT_OBJECT_TYPE,
        record=record,
    )
    return RefillDetail(refill=refill, history=_history(refill))


# The clinic's side.


def refill_queue(user) -> QuerySet[RefillRequest]:
    """Requests waiting at the user's clinics, oldest first, about patients whose medicines the
    user's role opens. Never the user's own requests (a colleague decides those)."""
    scope = policy.patient_scope(user, section=Section.MEDICATIONS) & Q(
        organization_id__in=policy.staff_organizations(user)
    )
    if user.patient_id is not None:
        scope &= ~Q(patient_id=user.patient_id)
    return (
        RefillRequest.objects.filter(scope, status=RefillStatus.REQUESTED)
        .select_related(
            "patient", "medication", "medication__prescriber", "pharmacy", "assigned_to"
        )
        .order_by("created_at", "pk")
    )


# The queue's count (the console home's card) and its pages, built once per process
# (lantern/core/statements.py).
_QUEUE = Statement(lambda *user: refill_queue(policy.user_template(*user)))
_QUEUE_SLICE = Statement(
    lambda start, stop, *user: refill_queue(policy.user_template(*user))[start:stop]
)


def refill_queue_count(user) -> int:
    """How many requests `refill_queue` holds (the console home's card)."""
    return _QUEUE.count(policy.user_shape(user), **policy.user_values(user))


def refill_queue_rows(user) -> StatementRows:
    """`refill_queue` as a paginator reads it: its count and each page's slice."""
    return StatementRows(_QUEUE_SLICE, _QUEUE, policy.user_shape(user), **policy.user_values(user))


@dataclass(frozen=True)
class QueueRow:
    refill: RefillRequest
    days_waiting: int


def queue_rows(refills: Sequence[RefillRequest], *, now: dt.datetime) -> list[QueueRow]:
    return [QueueRow(refill, max((now - refill.created_at).days, 0)) for refill in refills]


def refill_for_staff(
    user, refill_id: uuid.UUID, *, action: AuditAction
) -> tuple[RefillRequest, PatientAccess]:
    """A request of the user's clinics and the staff access to its patient (not yet audited).

    A request outside the user's clinics, or whose medicines their role does not open, is
    "not found", audited as denied.
    """
    refill = (
        RefillRequest.objects.filter(
            pk=refill_id, organization_id__in=policy.staff_organizations(user)
        )
        .select_related("patient", "medication", "medication__prescriber", "pharmacy")
        .select_related("assigned_to", "decided_by")
        .first()
    )
    access = None
    if refill is not None:
        try:
            access = policy.patient_access(
                user,
                refill.patient_id,
                action=action,
                object_type=AUDIT_OBJECT_TYPE,
                object_id=str(refill.pk),
                audit=False,
                section=Section.MEDICATIONS,
            )
        except policy.PatientNotFound:
            raise RefillNotFound from None
    if access is None or access.role != ActorRole.STAFF:
        owner = RefillRequest.objects.filter(pk=refill_id).values_list("patient_id", flat=True)
        policy.access_denied_record(
            user,
            owner.first(),
            action=action,
            object_type=AUDIT_OBJECT_TYPE,
            object_id=str(refill_id),
        )
        raise RefillNotFound
    return refill, access


def refill_history(refill: RefillRequest) -> list[RefillRequestEvent]:
    """The steps of a request already found through an access, oldest first."""
    return _history(refill)


def refill_colleagues(refill: RefillRequest) -> list[tuple[User, str]]:
    """The active staff of the request's clinic who may decide it (clinicians first), with
    their role in words: who it may be assigned to."""
    memberships = (
        StaffMembership.objects.filter(
            organization_id=refill.organization_id,
            is_active=True,
            user__is_active=True,
            role__in=policy.roles_opening(Section.MEDICATIONS),
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")[:COLLEAGUES_LIMIT]
    )
    rows = [(m.user, m.get_role_display()) for m in memberships]
    return sorted(rows, key=lambda row: row[1] != StaffRole.CLINICIAN.label)
