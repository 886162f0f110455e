"""Writes for prescription refills: asking, cancelling, and the clinic's decisions.

Every function takes the PatientAccess the access layer granted, requires the medications
section, and writes one audit event ("RefillRequest") per request it makes or changes, in the
same transaction as the change. Asking is idempotent: the form carries a one-time
`submission_id`, and sending it again returns the requests the first send made.

The allowed status changes are `ALLOWED_TRANSITIONS`, and `_transition` is the only code that
changes a status: a conditional UPDATE from an allowed status, so two people acting at once change
it once and the second is told what happened. The database refuses unknown statuses, a denial
without a reason and a second waiting request for a medicine.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.access import policy
from lantern.access.models import Section, StaffMembership
from lantern.access.policy import PatientAccess
from lantern.accounts.models import User
from lantern.audit.models import ActorRole, AuditAction
from lantern.clinical.models import MedicationRequest
from lantern.notifications.models import NotificationEvent
from lantern.notifications.preferences import notify_patient_accounts

from . import selectors
from .models import (
    REQUESTER_ROLES,
    PatientPharmacy,
    Pharmacy,
    PharmacyProgress,
    RefillKind,
    RefillRequest,
    RefillRequestEvent,
    RefillStatus,
)

AUDIT_OBJECT_TYPE = selectors.AUDIT_OBJECT_TYPE
S = RefillStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.DENIED, S.CANCELLED}),
    S.APPROVED: frozenset({S.COMPLETED}),
}
COMMENT_LENGTH = 1000
REASON_LENGTH = 1000


def answer_days() -> int:
    """How many business days the clinic takes to answer, as patients are told."""
    return settings.REFILL_ANSWER_DAYS


class RefillRefused(Exception):
    """The request cannot be made or changed; `message` says why, in words for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _require(access: PatientAccess, refill: RefillRequest | None = None) -> None:
    policy.section_require(access, Section.MEDICATIONS)
    if refill is not None and refill.patient_id != access.patient.pk:
        raise policy.PatientNotFound


def _require_staff(access: PatientAccess, refill: RefillRequest) -> None:
    _require(access, refill)
    if access.role != ActorRole.STAFF:
        raise RefillRefused("Only the clinic's staff can decide a request.")


# Asking.


def refill_requests_create(
    *,
    access: PatientAccess,
    medication_ids: Sequence[uuid.UUID],
    pharmacy: Pharmacy,
    comment: str = "",
    submission_id: uuid.UUID,
    save_pharmacy: bool = False,
    make_default: bool = False,
) -> list[RefillRequest]:
    """Ask for a refill (or a renewal, when none are left) of each chosen active prescription.

    All or nothing: a medicine that cannot be asked for online (controlled, already waiting,
    no longer taken, not the patient's) refuses the whole request with the reason in words.
    With `save_pharmacy` the pharmacy joins the patient's list (as the default with
    `make_default`). Sending the same `submission_id` again returns the first requests.
    """
    _require(access)
    if access.role not in REQUESTER_ROLES:
        raise RefillRefused(_("Only the patient, or someone they gave access to, can ask."))
    earlier = refill_requests_sent_before(access=access, submission_id=submission_id)
    if earlier:
        return earlier
    organization_id = access.patient.managing_organization_id
    if organization_id is None:
        raise RefillRefused(_("Your record is not linked to a clinic yet. Call your clinic."))
    wanted = list(dict.fromkeys(medication_ids))
    if not wanted:
        raise RefillRefused(_("Choose at least one medicine."))
    if pharmacy.organization_id != organization_id or not pharmacy.active:
        raise RefillRefused(_("Choose a pharmacy from the list."))
    comment = comment.strip()[:COMMENT_LENGTH]
    rows = selectors.active_medication_rows(access=access, only=wanted)
    if len(rows) != len(wanted):
        raise RefillRefused(_("One of the medicines can no longer be asked for. Check the list."))
    for row in rows:
        if not row.eligibility.may_request:
            name = row.medication.display or _("One medicine")
            raise RefillRefused(f"{name}: {row.eligibility.words}")
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                created = [
                    _request_write(
                        access,
                        row.medication,
                        row.eligibility.kind,
                        pharmacy,
                        comment,
                        submission_id,
                        now,
                    )
                    for row in rows
                ]
        except IntegrityError:
            winner = refill_requests_sent_before(access=access, submission_id=submission_id)
            if winner:
                # The same form was sent twice at once and the other request won.
                return winner
            raise RefillRefused(
                _("Someone already asked for one of these medicines. Check its status.")
            ) from None
        if save_pharmacy:
            patient_pharmacy_save(access=access, pharmacy=pharmacy, make_default=make_default)
        for refill in created:
            policy.access_record(
                access,
                action=AuditAction.CREATE,
                object_type=AUDIT_OBJECT_TYPE,
                object_id=refill.pk,
            )
    return created


def _request_write(
    access: PatientAccess,
    medication: MedicationRequest,
    kind: RefillKind,
    pharmacy: Pharmacy,
    comment: str,
    submission_id: uuid.UUID,
    now,
) -> RefillRequest:
    refill = RefillRequest.objects.create(
        patient=access.patient,
        organization_id=access.patient.managing_organization_id,
        medication=medication,
        kind=kind,
        pharmacy=pharmacy,
        comment=comment,
        requested_by=access.user,
        requested_by_role=access.role,
        submission_id=submission_id,
        created_at=now,
        updated_at=now,
    )
    RefillRequestEvent.objects.create(
        refill_request=refill, status=S.REQUESTED, at=now, by=access.user, by_role=access.role
    )
    return refill


def refill_requests_sent_before(
    *, access: PatientAccess, submission_id: uuid.UUID
) -> list[RefillRequest]:
    """The requests this account made with the form `submission_id` (none if it was not sent)."""
    earlier = list(
        RefillRequest.objects.filter(requested_by=access.user, submission_id=submission_id)
    )
    if any(refill.patient_id != access.patient.pk for refill in earlier):
        raise policy.PatientNotFound
    return earlier


def patient_pharmacy_save(
    *, access: PatientAccess, pharmacy: Pharmacy, make_default: bool = False
) -> PatientPharmacy:
    """Add a clinic pharmacy to the patient's list; as the default, the old default steps down."""
    _require(access)
    if pharmacy.organization_id != access.patient.managing_organization_id:
        raise RefillRefused(_("Choose a pharmacy from the list."))
    with transaction.atomic():
        saved, _created = PatientPharmacy.objects.get_or_create(
            patient=access.patient, pharmacy=pharmacy
        )
        has_default = PatientPharmacy.objects.filter(
            patient=access.patient, is_default=True
        ).exists()
        if make_default or not has_default:
            PatientPharmacy.objects.filter(patient=access.patient, is_default=True).exclude(
                pk=saved.pk
            ).update(is_default=False)
            PatientPharmacy.objects.filter(pk=saved.pk).update(is_default=True)
            saved.is_default = True
    return saved


# Status changes.


def _transition(
    *,
    access: PatientAccess,
    refill: RefillRequest,
    to: RefillStatus,
    changes: dict | None = None,
) -> RefillRequest:
    """Move `refill` to `to` if its current status allows it, once, with its history event and
    audit event. Call inside a transaction."""
    sources = [source for source, targets in ALLOWED_TRANSITIONS.items() if to in targets]
    now = timezone.now()
    changed = RefillRequest.objects.filter(pk=refill.pk, status__in=sources).update(
        status=to, updated_at=now, **(changes or {})
    )
    if not changed:
        current = RefillRequest.objects.filter(pk=refill.pk).values_list("status", flat=True)
        status = current.first()
        label = RefillStatus(status).label.lower() if status else _("gone")
        raise RefillRefused(
            _("This request is already %(status)s; nothing was changed.") % {"status": label}
        )
    RefillRequestEvent.objects.create(
        refill_request=refill,
        status=to,
        business_status=(changes or {}).get("business_status", ""),
        at=now,
        by=access.user,
        by_role=access.role,
    )
    policy.access_record(
        access, action=AuditAction.UPDATE, object_type=AUDIT_OBJECT_TYPE, object_id=refill.pk
    )
    refill.refresh_from_db()
    return refill


def refill_cancel(*, access: PatientAccess, refill: RefillRequest) -> RefillRequest:
    """The patient (or their proxy) withdraws a request the clinic has not decided yet."""
    _require(access, refill)
    if access.role not in REQUESTER_ROLES:
        raise RefillRefused(_("Only the patient, or someone they gave access to, can cancel."))
    with transaction.atomic():
        return _transition(access=access, refill=refill, to=S.CANCELLED)


def refill_approve(*, access: PatientAccess, refill: RefillRequest) -> RefillRequest:
    """Approve a waiting request: a refill uses one of the prescription's refills. The patient's
    accounts hear that there is an answer (never which medicine)."""
    _require_staff(access, refill)
    now = timezone.now()
    with transaction.atomic():
        refill = _transition(
            access=access,
            refill=refill,
            to=S.APPROVED,
            changes={"decided_by": access.user, "decided_at": now},
        )
        if refill.kind == RefillKind.REFILL:
            MedicationRequest.objects.filter(pk=refill.medication_id, refills_allowed__gt=0).update(
                refills_allowed=F("refills_allowed") - 1
            )
        _notify_decision(refill)
    return refill


def refill_deny(*, access: PatientAccess, refill: RefillRequest, reason: str) -> RefillRequest:
    """Decline a waiting request with a reason the patient reads."""
    _require_staff(access, refill)
    reason = reason.strip()
    if not reason:
        raise RefillRefused("Write the reason the patient will read.")
    with transaction.atomic():
        refill = _transition(
            access=access,
            refill=refill,
            to=S.DENIED,
            changes={
                "decided_by": access.user,
                "decided_at": timezone.now(),
                "status_reason": reason[:REASON_LENGTH],
            },
        )
        _notify_decision(refill)
    return refill


def refill_progress_set(
    *, access: PatientAccess, refill: RefillRequest, progress: PharmacyProgress
) -> RefillRequest:
    """Record what happened after approval: sent to the pharmacy, ready to collect, or collected
    (which completes the request). Only an approved request moves on."""
    _require_staff(access, refill)
    progress = PharmacyProgress(progress)
    with transaction.atomic():
        if progress == PharmacyProgress.COLLECTED:
            return _transition(
                access=access,
                refill=refill,
                to=S.COMPLETED,
                changes={"business_status": progress},
            )
        now = timezone.now()
        changed = RefillRequest.objects.filter(pk=refill.pk, status=S.APPROVED).update(
            business_status=progress, updated_at=now
        )
        if not changed:
            raise RefillRefused("Only an approved request can move on to the pharmacy.")
        RefillRequestEvent.objects.create(
            refill_request=refill,
            status=S.APPROVED,
            business_status=progress,
            at=now,
            by=access.user,
            by_role=access.role,
        )
        policy.access_record(
            access, action=AuditAction.UPDATE, object_type=AUDIT_OBJECT_TYPE, object_id=refill.pk
        )
    refill.refresh_from_db()
    return refill


def refill_assign(
    *, access: PatientAccess, refill: RefillRequest, assignee_id: int | None
) -> RefillRequest:
    """Give the request to a colleague of its clinic whose role opens medicines (the prescriber,
    a nurse), or to no one (None)."""
    _require_staff(access, refill)
    assignee = None
    if assignee_id is not None:
        assignee = User.objects.filter(
            pk=assignee_id,
            is_active=True,
            pk__in=StaffMembership.objects.filter(
                organization_id=refill.organization_id,
                is_active=True,
                role__in=policy.roles_opening(Section.MEDICATIONS),
            ).values("user_id"),
        ).first()
        if assignee is None:
            raise RefillRefused("Choose someone at this clinic who can decide prescriptions.")
    with transaction.atomic():
        RefillRequest.objects.filter(pk=refill.pk).update(
            assigned_to=assignee, updated_at=timezone.now()
        )
        policy.access_record(
            access, action=AuditAction.UPDATE, object_type=AUDIT_OBJECT_TYPE, object_id=refill.pk
        )
    refill.assigned_to = assignee
    return refill


def _notify_decision(refill: RefillRequest) -> None:
    # Once per request and outcome: a retried decision never sends twice.
    notify_patient_accounts(
        patient=refill.patient,
        event=NotificationEvent.REFILL_DECIDED,
        dedupe_key=f"refill-decided:{refill.pk}:{refill.status}",
    )
