"""The clinic's refill queue and a request's page: approve, deny with a reason, assign
(issue 14, points 3 and 5)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.clinical.models import MedicationRequest
from lantern.refills.models import RefillKind, RefillRequest, RefillStatus
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    MedicationRequestFactory,
    PatientFactory,
    StaffMembershipFactory,
    UserFactory,
)

from .factories import medication, request_refill

pytestmark = pytest.mark.django_db
QUEUE = "/staff/refills/"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def staff_url(name: str, refill) -> str:
    return reverse(f"refills:{name}", kwargs={"refill_id": refill.pk})


def test_the_queue_lists_waiting_requests_oldest_first_with_what_staff_need(
    nora_client, alice, charlie, pharmacy
):
    newer = request_refill(
        alice, medication(alice.patient, display="Lisinopril"), pharmacy, comment="Going away"
    )
    older = request_refill(charlie, medication(charlie.patient, display="Metformin"), pharmacy)
    RefillRequest.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )

    response = nora_client.get(QUEUE)
    html = text_of(response)

    assert [row.refill.pk for row in response.context["rows"]] == [older.pk, newer.pk]
    assert "Charlie Chen" in html and "Alice Adams" in html
    assert "Main Street Pharmacy" in html and "Going away" in html
    assert "3 days" in html
    assert 'href="/staff/refills/"' in html  # the console's navigation


def test_the_nurse_approves_from_the_request_page(nora_client, alice, pharmacy):
    medicine = medication(alice.patient, refills_allowed=2)
    refill = request_refill(alice, medicine, pharmacy)

    assert nora_client.get(staff_url("staff_detail", refill)).status_code == 200
    response = nora_client.post(staff_url("approve", refill))
    again = nora_client.post(staff_url("approve", refill))

    assert response.status_code == again.status_code == 302
    refill.refresh_from_db()
    medicine.refresh_from_db()
    assert refill.status == RefillStatus.APPROVED
    assert medicine.refills_allowed == 1
    assert "already approved" in text_of(nora_client.get(staff_url("staff_detail", refill)))
    assert refill.events.count() == 2


def test_a_denial_without_a_reason_is_refused_with_a_form_error(nora_client, alice, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)

    empty = nora_client.post(staff_url("deny", refill), {"reason": ""})
    assert empty.status_code == 400
    assert "Write the reason the patient will read." in text_of(empty)
    nora_client.post(staff_url("deny", refill), {"reason": "Please book a review."})

    refill.refresh_from_db()
    assert (refill.status, refill.status_reason) == (RefillStatus.DENIED, "Please book a review.")


def test_a_request_is_assigned_to_the_prescriber(nora_client, alice, clinic, pharmacy):
    doctor = StaffMembershipFactory(
        organization=clinic, user=UserFactory(username="drlopez", first_name="Maria")
    ).user
    refill = request_refill(alice, medication(alice.patient, refills_allowed=0), pharmacy)
    assert refill.kind == RefillKind.RENEWAL

    page = text_of(nora_client.get(staff_url("staff_detail", refill)))
    assert f'<option value="{doctor.pk}"' in page
    nora_client.post(staff_url("assign", refill), {"assignee": doctor.pk})

    refill.refresh_from_db()
    assert refill.assigned_to == doctor


def test_other_clinics_staff_and_the_front_desk_get_not_found(olga, fiona, alice, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)
    olgas_queue = sign_in(Client(), olga).get(QUEUE)
    assert olgas_queue.status_code == 200
    assert "Alice" not in text_of(olgas_queue)
    for user in (olga, fiona, alice):
        client = sign_in(Client(), user)
        if user != olga:
            assert client.get(QUEUE).status_code == 404, user
        assert client.get(staff_url("staff_detail", refill)).status_code == 404, user
        assert client.post(staff_url("approve", refill)).status_code == 404, user
    refill.refresh_from_db()
    assert refill.status == RefillStatus.REQUESTED


def test_a_request_of_another_clinic_is_not_found_and_audited_as_denied(olga, alice, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)
    other_clinics_nurse = sign_in(Client(), olga)
    StaffMembershipFactory(user=olga, organization=PatientFactory().managing_organization)

    assert other_clinics_nurse.get(staff_url("staff_detail", refill)).status_code == 404
    assert AuditEvent.objects.filter(
        actor=olga, object_type="RefillRequest", outcome="denied"
    ).exists()


def test_each_console_action_is_audited_once(nora, nora_client, alice, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)
    mark = AuditEvent.objects.count()

    nora_client.get(staff_url("staff_detail", refill))
    nora_client.post(staff_url("approve", refill))

    events = list(AuditEvent.objects.order_by("pk")[mark:])
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("view", "RefillRequest", str(refill.pk)),
        ("update", "RefillRequest", str(refill.pk)),
    ]


def test_the_queue_costs_the_same_with_1_and_500_requests(nora_client, alice, clinic, pharmacy):
    def queries() -> int:
        nora_client.get(QUEUE)
        with CaptureQueriesContext(connection) as captured:
            assert nora_client.get(QUEUE).status_code == 200
        return len(captured)

    request_refill(alice, medication(alice.patient), pharmacy)
    few = queries()
    patient = PatientFactory(managing_organization=clinic)
    medicines = MedicationRequest.objects.bulk_create(
        MedicationRequestFactory.build_batch(499, patient=patient)
    )
    RefillRequest.objects.bulk_create(
        RefillRequest(
            patient=patient,
            organization=clinic,
            medication=medicine,
            kind=RefillKind.REFILL,
            pharmacy=pharmacy,
            requested_by=alice,
            requested_by_role="proxy",
            submission_id=uuid.uuid4(),
        )
        for medicine in medicines
    )

    assert queries() == few
    assert "500 waiting" in text_of(nora_client.get(QUEUE))


def test_the_console_home_counts_refills_waiting_for_nurses_not_the_front_desk(
    nora_client, fiona, alice, pharmacy
):
    request_refill(alice, medication(alice.patient), pharmacy)

    home = text_of(nora_client.get(reverse("staff:home")))
    front_desk = text_of(sign_in(Client(), fiona).get(reverse("staff:home")))

    assert "<strong>1</strong> waiting for a decision" in home
    assert 'href="/staff/refills/"' in home
    assert "Refill requests" not in front_desk
