"""Asking for refills and deciding them: one place for status changes, and the database keeps
the rules (issue 14, points 2, 3, 4 and 5)."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from lantern.access.models import ProxyPermission
from lantern.access.policy import PatientAccess, PatientNotFound
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.notifications.models import Notification, NotificationKind
from lantern.refills import services
from lantern.refills.models import (
    PatientPharmacy,
    PharmacyProgress,
    RefillKind,
    RefillRequest,
    RefillRequestEvent,
    RefillStatus,
)
from lantern.refills.services import RefillRefused
from lantern.testing.factories import (
    ProxyRelationshipFactory,
    StaffMembershipFactory,
    UserFactory,
)

from .factories import (
    ControlledMedicineFactory,
    PharmacyFactory,
    medication,
    own_access,
    request_refill,
    staff_access,
)

pytestmark = pytest.mark.django_db


def confirmed(user):
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


def test_a_request_waits_for_the_clinic_with_its_history_and_one_audit_event(alice, pharmacy):
    medicine = medication(alice.patient)

    refill = request_refill(alice, medicine, pharmacy, comment="Going away on the 12th")

    assert (refill.status, refill.kind, refill.comment) == (
        RefillStatus.REQUESTED,
        RefillKind.REFILL,
        "Going away on the 12th",
    )
    assert refill.organization == alice.patient.managing_organization
    [event] = RefillRequestEvent.objects.filter(refill_request=refill)
    assert (event.status, event.by, event.by_role) == (RefillStatus.REQUESTED, alice, "self")
    [audit] = AuditEvent.objects.filter(object_type="RefillRequest")
    assert (audit.action, audit.object_id) == (AuditAction.CREATE, str(refill.pk))


def test_sending_the_same_form_twice_makes_the_requests_once(alice, pharmacy):
    medicines = [medication(alice.patient), medication(alice.patient, display="Metformin")]
    submission = uuid.uuid4()

    def send():
        return services.refill_requests_create(
            access=own_access(alice),
            medication_ids=[m.pk for m in medicines],
            pharmacy=pharmacy,
            submission_id=submission,
        )

    first = send()
    again = send()

    assert {r.pk for r in first} == {r.pk for r in again}
    assert RefillRequest.objects.count() == 2


def test_a_second_request_for_a_waiting_medicine_is_refused_with_its_status(alice, pharmacy):
    medicine = medication(alice.patient)
    request_refill(alice, medicine, pharmacy)

    with pytest.raises(RefillRefused, match="already asked"):
        request_refill(alice, medicine, pharmacy)


def test_the_database_keeps_one_waiting_request_per_medicine(alice, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)

    with pytest.raises(IntegrityError), transaction.atomic():
        RefillRequest.objects.create(
            patient=refill.patient,
            organization=refill.organization,
            medication=refill.medication,
            kind=RefillKind.REFILL,
            requested_by=alice,
            requested_by_role=ActorRole.SELF,
            submission_id=uuid.uuid4(),
        )


def test_the_database_refuses_an_unknown_status_and_a_denial_without_a_reason(alice, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)

    with pytest.raises(IntegrityError), transaction.atomic():
        RefillRequest.objects.filter(pk=refill.pk).update(status="accepted")
    with pytest.raises(IntegrityError), transaction.atomic():
        RefillRequest.objects.filter(pk=refill.pk).update(status=RefillStatus.DENIED)


def test_a_controlled_medicine_is_refused_with_the_clinics_number(alice, clinic, pharmacy):
    clinic.phone = "555-0199"
    clinic.save(update_fields=["phone"])
    ControlledMedicineFactory(organization=clinic, code="1049621")
    medicine = medication(alice.patient, code="1049621", code_system=services_rxnorm())

    with pytest.raises(RefillRefused, match="Call the clinic on 555-0199"):
        request_refill(alice, medicine, pharmacy)
    assert not RefillRequest.objects.exists()


def services_rxnorm() -> str:
    return "http://www.nlm.nih.gov/research/umls/rxnorm"


def test_with_no_refills_left_the_request_is_a_renewal(alice, pharmacy):
    refill = request_refill(alice, medication(alice.patient, refills_allowed=0), pharmacy)

    assert refill.kind == RefillKind.RENEWAL


def test_a_past_medicine_or_another_patients_cannot_be_asked_for(alice, charlie, pharmacy):
    stopped = medication(alice.patient, status="stopped")
    charlies = medication(charlie.patient)

    for medicine in (stopped, charlies):
        with pytest.raises(RefillRefused, match="can no longer be asked for"):
            request_refill(alice, medicine, pharmacy)


def test_another_clinics_pharmacy_is_refused(alice, pharmacy):
    elsewhere = PharmacyFactory()

    with pytest.raises(RefillRefused, match="pharmacy from the list"):
        request_refill(alice, medication(alice.patient), elsewhere)


def test_saving_a_pharmacy_makes_the_first_one_the_default_and_keeps_one_default(alice, clinic):
    first, second = PharmacyFactory(organization=clinic), PharmacyFactory(organization=clinic)
    access = own_access(alice)

    services.patient_pharmacy_save(access=access, pharmacy=first)
    services.patient_pharmacy_save(access=access, pharmacy=second, make_default=True)

    defaults = PatientPharmacy.objects.filter(patient=alice.patient, is_default=True)
    assert [row.pharmacy for row in defaults] == [second]
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientPharmacy.objects.filter(patient=alice.patient).update(is_default=True)


def test_the_patient_may_cancel_only_while_the_request_waits(alice, nora, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)

    cancelled = services.refill_cancel(access=own_access(alice), refill=refill)
    assert cancelled.status == RefillStatus.CANCELLED

    other = request_refill(alice, medication(alice.patient), pharmacy)
    services.refill_approve(access=staff_access(nora, alice.patient), refill=other)
    with pytest.raises(RefillRefused, match="already approved"):
        services.refill_cancel(access=own_access(alice), refill=other)


def test_approval_lowers_the_refills_left_and_acts_once(alice, nora, pharmacy):
    medicine = medication(alice.patient, refills_allowed=3)
    refill = request_refill(alice, medicine, pharmacy)
    access = staff_access(nora, alice.patient)

    approved = services.refill_approve(access=access, refill=refill)
    with pytest.raises(RefillRefused):
        services.refill_approve(access=access, refill=refill)

    medicine.refresh_from_db()
    assert medicine.refills_allowed == 2
    assert (approved.status, approved.decided_by) == (RefillStatus.APPROVED, nora)
    assert approved.decided_at is not None
    statuses = list(refill.events.values_list("status", flat=True))
    assert statuses == [RefillStatus.REQUESTED, RefillStatus.APPROVED]


def test_approving_a_renewal_leaves_the_refill_count_alone(alice, nora, pharmacy):
    medicine = medication(alice.patient, refills_allowed=0)
    refill = request_refill(alice, medicine, pharmacy)

    services.refill_approve(access=staff_access(nora, alice.patient), refill=refill)

    medicine.refresh_from_db()
    assert medicine.refills_allowed == 0


def test_a_denial_needs_a_reason_the_patient_reads(alice, nora, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)
    access = staff_access(nora, alice.patient)

    with pytest.raises(RefillRefused, match="Write the reason"):
        services.refill_deny(access=access, refill=refill, reason="  ")
    denied = services.refill_deny(access=access, refill=refill, reason="Please book a review.")

    assert (denied.status, denied.status_reason) == (RefillStatus.DENIED, "Please book a review.")


def test_pharmacy_progress_follows_approval_and_collection_completes_it(alice, nora, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)
    access = staff_access(nora, alice.patient)

    with pytest.raises(RefillRefused):
        services.refill_progress_set(access=access, refill=refill, progress=PharmacyProgress.READY)
    services.refill_approve(access=access, refill=refill)
    ready = services.refill_progress_set(
        access=access, refill=refill, progress=PharmacyProgress.READY
    )
    assert (ready.status, ready.business_status) == (RefillStatus.APPROVED, "ready-to-collect")
    done = services.refill_progress_set(
        access=access, refill=refill, progress=PharmacyProgress.COLLECTED
    )
    assert done.status == RefillStatus.COMPLETED


def test_assigning_goes_only_to_colleagues_who_decide_prescriptions(
    alice, nora, clinic, fiona, olga, pharmacy
):
    refill = request_refill(alice, medication(alice.patient), pharmacy)
    access = staff_access(nora, alice.patient)
    doctor = StaffMembershipFactory(organization=clinic, user=UserFactory(username="dr")).user

    assert services.refill_assign(access=access, refill=refill, assignee_id=doctor.pk).assigned_to
    for outsider in (fiona, olga):
        with pytest.raises(RefillRefused):
            services.refill_assign(access=access, refill=refill, assignee_id=outsider.pk)
    assert RefillRequest.objects.get(pk=refill.pk).assigned_to == doctor


def test_a_decision_notifies_once_without_the_medicines_name(alice, nora, pharmacy, clinic):
    confirmed(alice)
    helper = confirmed(UserFactory(username="helper"))
    ProxyRelationshipFactory(
        proxy=helper, patient=alice.patient, permissions=int(ProxyPermission.MEDICATIONS)
    )
    records_only = confirmed(UserFactory(username="records"))
    ProxyRelationshipFactory(
        proxy=records_only, patient=alice.patient, permissions=int(ProxyPermission.RECORD)
    )
    refill = request_refill(alice, medication(alice.patient, display="Lisinopril"), pharmacy)

    services.refill_approve(access=staff_access(nora, alice.patient), refill=refill)

    notices = Notification.objects.filter(kind=NotificationKind.REFILL_DECIDED)
    assert sorted(n.to_address for n in notices) == [alice.email, helper.email]
    assert all("Lisinopril" not in n.subject + n.body for n in notices)
    assert all("Alice" not in n.subject + n.body for n in notices)


def test_a_proxy_without_the_medicines_permission_cannot_ask_or_cancel(alice, bob, pharmacy):
    medicine = medication(alice.patient)
    refill = request_refill(alice, medicine, pharmacy)
    access = PatientAccess(
        user=bob, patient=alice.patient, role=ActorRole.PROXY, sections=frozenset({"record"})
    )

    with pytest.raises(PatientNotFound):
        services.refill_cancel(access=access, refill=refill)
    with pytest.raises(PatientNotFound):
        services.refill_requests_create(
            access=access,
            medication_ids=[medicine.pk],
            pharmacy=pharmacy,
            submission_id=uuid.uuid4(),
        )


def test_staff_cannot_ask_and_patients_cannot_decide(alice, nora, pharmacy):
    medicine = medication(alice.patient)
    with pytest.raises(RefillRefused):
        services.refill_requests_create(
            access=staff_access(nora, alice.patient),
            medication_ids=[medicine.pk],
            pharmacy=pharmacy,
            submission_id=uuid.uuid4(),
        )
    refill = request_refill(alice, medicine, pharmacy)
    with pytest.raises(RefillRefused):
        services.refill_approve(access=own_access(alice), refill=refill)
