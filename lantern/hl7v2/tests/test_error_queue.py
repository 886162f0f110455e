"""The console's HL7 v2 error queue: who sees it, what it shows, match and replay."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.access.models import StaffRole
from lantern.audit.models import AuditEvent
from lantern.clinical.models import Observation
from lantern.hl7v2 import services
from lantern.hl7v2.models import InboundMessage, MessageStatus
from lantern.hl7v2.services import message_receive
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, StaffMembershipFactory, UserFactory

from .messages import oru

pytestmark = pytest.mark.django_db
QUEUE = "/staff/interface/"


CLINIC = "Riverside Family Clinic"  # The `clinic` persona; MSH-4 names it.


@pytest.fixture
def waiting(clinic, nora) -> InboundMessage:
    """A result for a patient Lantern does not know, in the clinic's queue."""
    return message_receive(
        raw=oru("QUEUE-CTRL-1", mrn="UNKNOWN-7", sending_facility=CLINIC).encode()
    ).message


def client_for(user) -> Client:
    return sign_in(Client(), user)


def staff(clinic, role: str, username: str):
    return StaffMembershipFactory(
        user=UserFactory(username=username, is_staff=True), organization=clinic, role=role
    ).user


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def detail_url(message: InboundMessage, name: str = "detail") -> str:
    return reverse(f"hl7v2:{name}", kwargs={"message_id": message.pk})


def test_the_queue_lists_a_waiting_message_and_why_without_its_content(nora, waiting) -> None:
    html = text_of(client_for(nora).get(QUEUE))

    assert "Test results (ORU^R01)" in html
    assert "patient not found" in html
    assert "QUEUE-CTRL-1" in html and "LAB at Riverside Family Clinic" in html
    # The list names no one and shows no value from the message.
    assert "UNKNOWN-7" not in html and "TEST" not in html and "Glucose" not in html
    assert 'href="/staff/interface/"' in html  # the console's navigation


@pytest.mark.parametrize("role", [StaffRole.NURSE, StaffRole.CLINICIAN, StaffRole.ADMINISTRATOR])
def test_administrators_and_clinical_staff_work_the_queue(clinic, waiting, role) -> None:
    client = client_for(staff(clinic, role, f"someone-{role}"))

    assert client.get(QUEUE).status_code == 200
    assert client.get(detail_url(waiting)).status_code == 200
    assert "Interface errors" in text_of(client.get("/staff/"))


def test_the_front_desk_has_no_queue_and_no_menu_entry(fiona, waiting) -> None:
    client = client_for(fiona)

    assert client.get(QUEUE).status_code == 404
    assert client.get(detail_url(waiting)).status_code == 404
    assert "Interface errors" not in text_of(client.get("/staff/"))


def test_staff_of_another_clinic_do_not_see_the_message(olga, waiting) -> None:
    client = client_for(olga)

    assert "QUEUE-CTRL-1" not in text_of(client.get(QUEUE))
    assert client.get(detail_url(waiting)).status_code == 404


def test_a_patient_cannot_open_the_queue(alice, waiting) -> None:
    assert client_for(alice).get(QUEUE).status_code == 404


def test_the_message_page_shows_who_it_is_about_and_is_audited(nora, waiting) -> None:
    html = text_of(client_for(nora).get(detail_url(waiting)))

    assert "PATIENT TEST" in html and "UNKNOWN-7 (MR)" in html and "1980-01-01" in html
    assert "Female" in html
    assert AuditEvent.objects.filter(
        actor=nora, object_type="InboundMessage", object_id=str(waiting.pk), action="view"
    ).exists()


def test_staff_match_a_message_to_their_clinic_patient_and_replay_it(nora, alice, waiting) -> None:
    client = client_for(nora)
    client.post(detail_url(waiting, "search"), {"q": "Adams"})
    page = text_of(client.get(detail_url(waiting)))
    assert "Match to Alice Adams" in page
    # The search term stays out of the address.
    assert "Adams" not in detail_url(waiting)

    client.post(detail_url(waiting, "match"), {"patient_id": alice.patient.pk})
    waiting.refresh_from_db()
    assert waiting.patient == alice.patient

    response = client.post(detail_url(waiting, "replay"), {"replay_count": 0}, follow=True)

    waiting.refresh_from_db()
    assert waiting.status == MessageStatus.PROCESSED
    assert waiting.ack_code == "AA"
    assert waiting.replay_count == 1 and waiting.replayed_by == nora
    assert "Replayed and applied" in text_of(response)
    assert Observation.objects.filter(patient=alice.patient, display="Glucose").count() == 1
    events = AuditEvent.objects.filter(object_type="InboundMessage", object_id=str(waiting.pk))
    assert events.filter(action="update", patient=alice.patient, actor=nora).count() == 1
    assert events.filter(action="import", patient=alice.patient, actor=nora).count() == 1


def test_a_second_submit_of_replay_replays_nothing(nora, alice, waiting, monkeypatch) -> None:
    client = client_for(nora)
    client.post(detail_url(waiting, "match"), {"patient_id": alice.patient.pk})
    calls = []
    original = services.process

    def counting(message, *, header, patient=None):
        calls.append(1)
        return original(message, header=header, patient=patient)

    monkeypatch.setattr(services, "process", counting)

    client.post(detail_url(waiting, "replay"), {"replay_count": 0})
    response = client.post(detail_url(waiting, "replay"), {"replay_count": 0}, follow=True)

    assert calls == [1]
    waiting.refresh_from_db()
    assert waiting.replay_count == 1
    assert "already replayed" in text_of(response)
    assert AuditEvent.objects.filter(object_id=str(waiting.pk), action="import").count() == 1


def test_a_replay_that_fails_again_stays_in_the_queue(nora, waiting) -> None:
    response = client_for(nora).post(
        detail_url(waiting, "replay"), {"replay_count": 0}, follow=True
    )

    waiting.refresh_from_db()
    assert waiting.status == MessageStatus.ERROR and waiting.replay_count == 1
    assert "still not applied: patient not found" in text_of(response)
    assert waiting in InboundMessage.objects.filter(status__in=["error", "rejected"])


def test_staff_cannot_match_a_message_to_another_clinics_patient(
    nora, waiting, other_clinic
) -> None:
    stranger = PatientFactory(managing_organization=other_clinic)

    response = client_for(nora).post(detail_url(waiting, "match"), {"patient_id": stranger.pk})

    assert response.status_code == 404
    waiting.refresh_from_db()
    assert waiting.patient is None


def test_the_queue_costs_the_same_queries_for_one_message_or_many(nora, clinic) -> None:
    client = client_for(nora)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    message_receive(raw=oru("N-0", mrn="NOBODY", sending_facility=CLINIC).encode())
    queries()  # The first page after sign-in also settles the session.
    few = queries()
    alice_like = PatientFactory(managing_organization=clinic)
    for n in range(1, 60):
        row = message_receive(
            raw=oru(f"N-{n}", mrn="NOBODY", sending_facility=CLINIC).encode()
        ).message
        if n % 2:
            InboundMessage.objects.filter(pk=row.pk).update(patient=alice_like)

    assert queries() == few


def test_the_message_page_costs_the_same_queries_matched_or_not(nora, alice, waiting) -> None:
    client = client_for(nora)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(detail_url(waiting)).status_code == 200
        return len(captured)

    queries()  # The first page after sign-in also settles the session.
    unmatched = queries()
    InboundMessage.objects.filter(pk=waiting.pk).update(patient=alice.patient)

    assert queries() == unmatched
