"""Each refill request is in the patient's FHIR download as a Task that validates (issue 14,
"done means")."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class

from lantern.refills import services
from lantern.refills.fhir import export_refill_request
from lantern.refills.models import PharmacyProgress, RefillRequest

from .factories import medication, own_access, request_refill, staff_access

pytestmark = pytest.mark.django_db


def downloaded_bundle(client, patient) -> dict:
    response = client.get(reverse("downloads:record_json", kwargs={"patient_id": patient.pk}))
    assert response.status_code == 200
    return json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )


def test_each_request_is_a_valid_task_focused_on_its_prescription(
    alice_client, alice, nora, pharmacy
):
    waiting = request_refill(alice, medication(alice.patient), pharmacy, comment="Away soon")
    denied = request_refill(alice, medication(alice.patient, refills_allowed=0), pharmacy)
    services.refill_deny(
        access=staff_access(nora, alice.patient), refill=denied, reason="Book a review."
    )

    bundle = downloaded_bundle(alice_client, alice.patient)

    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    tasks = {
        entry["resource"]["id"]: entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Task"
    }
    assert set(tasks) == {str(waiting.pk), str(denied.pk)}
    for task in tasks.values():
        get_fhir_model_class("Task").model_validate(task)
        assert task["intent"] == "order"
        assert task["focus"]["reference"] in urls
        assert task["for"]["reference"] == f"urn:uuid:{alice.patient.pk}"
        assert task["authoredOn"]
    first, second = tasks[str(waiting.pk)], tasks[str(denied.pk)]
    assert (first["status"], first["code"]["text"], first["note"]) == (
        "requested",
        "Refill request",
        [{"text": "Away soon"}],
    )
    assert (second["status"], second["statusReason"], second["code"]["coding"][0]["code"]) == (
        "rejected",
        {"text": "Book a review."},
        "103742009",
    )


def test_approved_cancelled_and_completed_map_to_the_tasks_statuses(alice, nora, pharmacy):
    staff = staff_access(nora, alice.patient)
    approved = request_refill(alice, medication(alice.patient), pharmacy)
    services.refill_approve(access=staff, refill=approved)
    cancelled = request_refill(alice, medication(alice.patient), pharmacy)
    services.refill_cancel(access=own_access(alice), refill=cancelled)
    collected = request_refill(alice, medication(alice.patient), pharmacy)
    services.refill_approve(access=staff, refill=collected)
    services.refill_progress_set(
        access=staff, refill=collected, progress=PharmacyProgress.COLLECTED
    )

    statuses = [
        export_refill_request(RefillRequest.objects.get(pk=r.pk))["status"]
        for r in (approved, cancelled, collected)
    ]
    assert statuses == ["accepted", "cancelled", "completed"]
    done = export_refill_request(RefillRequest.objects.get(pk=collected.pk))
    assert done["businessStatus"]["text"] == "Collected"
