"""The audit trail records what happened: once per action, after the object is found.

The attack: Alice asks for Charlie's result under her own patient id
(`/patients/<alice>/results/<charlie's report>/`). The patient id is hers, so the old access
rule wrote "Alice viewed (or downloaded) her record" before the view looked the report up and
answered 404: an allowed view that never happened, and no denial.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from lantern.audit.models import ActorRole, AuditAction, AuditEvent, AuditOutcome
from lantern.messaging.models import Message
from lantern.testing.auth import sign_in
from lantern.testing.records import PatientObjects, patient_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    return settings.PRIVATE_FILES_ROOT


@pytest.fixture
def alices(alice, private_root) -> PatientObjects:
    return patient_objects(alice)


@pytest.fixture
def charlies(charlie, private_root) -> PatientObjects:
    return patient_objects(charlie)


def events_after(mark: int):
    return AuditEvent.objects.filter(pk__gt=mark).order_by("pk")


def last_event_id() -> int:
    latest = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return latest or 0


# Where each object lives under a patient, and what the trail calls it.
OBJECT_ROUTES = [
    pytest.param(
        "results/{report_id}/", "report", "DiagnosticReport", AuditAction.VIEW, id="result"
    ),
    pytest.param(
        "results/observations/{observation_id}/",
        "observation",
        "Observation",
        AuditAction.VIEW,
        id="lab-value",
    ),
    pytest.param("record/visits/{visit_id}/", "visit", "Encounter", AuditAction.VIEW, id="visit"),
    pytest.param(
        "record/documents/{document_id}/",
        "document",
        "DocumentReference",
        AuditAction.VIEW,
        id="document",
    ),
    pytest.param(
        "messages/{conversation_id}/",
        "conversation",
        "Conversation",
        AuditAction.VIEW,
        id="conversation",
    ),
    pytest.param(
        "messages/attachments/{attachment_id}/",
        "attachment",
        "Attachment",
        AuditAction.EXPORT,
        id="attachment",
    ),
    pytest.param(
        "results/{report_id}/download.pdf",
        "report",
        "DiagnosticReport",
        AuditAction.EXPORT,
        id="result-pdf",
    ),
    pytest.param(
        "results/{report_id}/download.json",
        "report",
        "DiagnosticReport",
        AuditAction.EXPORT,
        id="result-fhir",
    ),
    pytest.param(
        "results/observations/{observation_id}/download.pdf",
        "observation",
        "Observation",
        AuditAction.EXPORT,
        id="lab-value-pdf",
    ),
    pytest.param(
        "results/observations/{observation_id}/download.json",
        "observation",
        "Observation",
        AuditAction.EXPORT,
        id="lab-value-fhir",
    ),
]


def url_for(user, route: str, objects: PatientObjects) -> str:
    return f"/patients/{user.patient_id}/" + route.format(**objects.url_kwargs())


@pytest.mark.parametrize(("route", "attribute", "object_type", "action"), OBJECT_ROUTES)
def test_charlies_object_under_alices_id_is_not_found_and_audited_only_as_denied(
    alice, charlie, alices, charlies, route, attribute, object_type, action
):
    client = sign_in(Client(), alice)
    mark = last_event_id()

    response = client.get(url_for(alice, route, charlies))

    assert response.status_code == 404
    [event] = events_after(mark)
    assert event.outcome == AuditOutcome.DENIED
    assert event.actor == alice
    assert event.actor_role == ActorRole.NONE
    assert event.action == action
    assert event.object_type == object_type
    assert event.object_id == str(getattr(charlies, attribute).pk)
    # The trail names whose object was asked for, so a review of Charlie's record finds it.
    assert event.patient == charlie.patient


@pytest.mark.parametrize(("route", "attribute", "object_type", "action"), OBJECT_ROUTES)
def test_opening_ones_own_object_writes_one_allowed_event_with_its_type_and_id(
    alice, alices, route, attribute, object_type, action
):
    client = sign_in(Client(), alice)
    mark = last_event_id()

    response = client.get(url_for(alice, route, alices))

    assert response.status_code == 200
    [event] = events_after(mark)
    assert event.outcome == AuditOutcome.ALLOWED
    assert event.actor == alice
    assert event.actor_role == ActorRole.SELF
    assert event.patient == alice.patient
    assert event.action == action
    assert event.object_type == object_type
    assert event.object_id == str(getattr(alices, attribute).pk)


def test_an_object_id_that_names_nothing_is_audited_as_denied_without_a_patient(alice, alices):
    client = sign_in(Client(), alice)
    unknown = uuid.uuid4()
    mark = last_event_id()

    response = client.get(f"/patients/{alice.patient_id}/results/{unknown}/")

    assert response.status_code == 404
    [event] = events_after(mark)
    assert (event.outcome, event.object_type, event.object_id) == (
        AuditOutcome.DENIED,
        "DiagnosticReport",
        str(unknown),
    )
    assert event.patient is None


def test_staff_opening_a_patients_result_write_one_event_in_the_staff_role(nora, alice, alices):
    client = sign_in(Client(), nora)
    mark = last_event_id()

    response = client.get(url_for(alice, "results/{report_id}/", alices))

    assert response.status_code == 200
    [event] = events_after(mark)
    assert (event.actor, event.actor_role, event.object_id) == (
        nora,
        ActorRole.STAFF,
        str(alices.report.pk),
    )


# Writes: one action, one event.


def test_replying_in_a_conversation_writes_one_event_naming_the_message(alice, alices):
    client = sign_in(Client(), alice)
    mark = last_event_id()

    response = client.post(
        url_for(alice, "messages/{conversation_id}/reply/", alices),
        {"body": "Thank you.", "submission_id": str(uuid.uuid4())},
    )

    assert response.status_code == 302
    reply = Message.objects.get(body="Thank you.")
    [event] = events_after(mark)
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.CREATE,
        "Message",
        str(reply.pk),
    )


def test_a_reply_sent_twice_writes_one_event(alice, alices):
    client = sign_in(Client(), alice)
    form = {"body": "Thank you.", "submission_id": str(uuid.uuid4())}
    url = url_for(alice, "messages/{conversation_id}/reply/", alices)
    mark = last_event_id()

    client.post(url, form)
    client.post(url, form)

    assert events_after(mark).count() == 1


def test_a_reply_into_charlies_conversation_is_not_found_and_audited_only_as_denied(
    alice, charlie, alices, charlies
):
    client = sign_in(Client(), alice)
    mark = last_event_id()

    response = client.post(
        url_for(alice, "messages/{conversation_id}/reply/", charlies),
        {"body": "Hello", "submission_id": str(uuid.uuid4())},
    )

    assert response.status_code == 404
    [event] = events_after(mark)
    assert (event.outcome, event.object_type, event.object_id, event.patient) == (
        AuditOutcome.DENIED,
        "Conversation",
        str(charlies.conversation.pk),
        charlie.patient,
    )
    assert not Message.objects.filter(body="Hello").exists()


def test_closing_a_conversation_writes_one_event(alice, alices):
    client = sign_in(Client(), alice)
    mark = last_event_id()

    client.post(url_for(alice, "messages/{conversation_id}/close/", alices))

    [event] = events_after(mark)
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.UPDATE,
        "Conversation",
        str(alices.conversation.pk),
    )


def test_a_reply_with_errors_is_audited_as_a_view_of_the_thread_it_shows_again(alice, alices):
    client = sign_in(Client(), alice)
    mark = last_event_id()

    response = client.post(
        url_for(alice, "messages/{conversation_id}/reply/", alices),
        {"body": "", "submission_id": str(uuid.uuid4())},
    )

    assert response.status_code == 200
    [event] = events_after(mark)
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.VIEW,
        "Conversation",
        str(alices.conversation.pk),
    )
