"""Staff start a conversation with a patient from the console (issue 10, point 10)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.audit.models import AuditAction, AuditEvent, AuditOutcome
from lantern.messaging.models import AuthorRole, Conversation, Message
from lantern.notifications.models import Notification, NotificationKind
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, StaffMembershipFactory, UserFactory
from lantern.testing.factories_messaging import MessagePoolFactory

pytestmark = pytest.mark.django_db

SUBJECT = "Your blood test"
BODY = "Your cholesterol came back a little high. Could you call us this week?"


@pytest.fixture
def nursing(clinic):
    return MessagePoolFactory(organization=clinic, name="Nursing")


def start_url(patient) -> str:
    return reverse("staff:conversation_start", kwargs={"patient_id": patient.pk})


def form_data(pool, **changes) -> dict:
    return {
        "recipient": f"pool:{pool.pk}",
        "subject": SUBJECT,
        "body": BODY,
        "submission_id": str(uuid.uuid4()),
        **changes,
    }


def test_the_staff_patient_page_links_to_writing_to_the_patient(nora, alice):
    client = sign_in(Client(), nora)
    page = client.get(reverse("staff:patient", kwargs={"patient_id": alice.patient.pk}))

    assert start_url(alice.patient) in page.content.decode()
    assert "Write to Alice Adams" in page.content.decode()


def test_the_form_is_worded_for_staff_and_chooses_the_only_queue(nora, alice, nursing):
    page = sign_in(Client(), nora).get(start_url(alice.patient)).content.decode()

    assert "<h1>Write to Alice Adams</h1>" in page
    assert "as from the care team at" in page
    assert "Answers go to" in page
    assert f'<option value="pool:{nursing.pk}" selected>' in page
    assert "Staff console" in page


def test_a_nurse_starts_a_conversation_that_lands_in_the_inbox(nora, alice, nursing):
    client = sign_in(Client(), nora)

    response = client.post(start_url(alice.patient), form_data(nursing))

    conversation = Conversation.objects.get(patient=alice.patient)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "staff:conversation", kwargs={"conversation_id": conversation.pk}
    )
    assert conversation.created_by == nora
    assert conversation.pool == nursing
    assert conversation.last_message_role == AuthorRole.STAFF
    assert conversation.waiting_since is None
    assert conversation.unread_by_patient
    (message,) = conversation.messages.all()
    assert message.author == nora and message.author_role == AuthorRole.STAFF
    assert message.body == BODY
    all_conversations = client.get(reverse("staff:inbox"), {"state": "all"}).content.decode()
    assert SUBJECT in all_conversations


def test_the_patient_reads_it_as_from_the_care_team(nora, alice, nursing):
    nora.first_name, nora.last_name = "Nora", "Nguyen"
    nora.save(update_fields=["first_name", "last_name"])
    sign_in(Client(), nora).post(start_url(alice.patient), form_data(nursing))
    conversation = Conversation.objects.get()
    patient = sign_in(Client(), alice)

    listed = patient.get(reverse("messaging:list", kwargs={"patient_id": alice.patient.pk}))
    thread = patient.get(
        reverse(
            "messaging:detail",
            kwargs={"patient_id": alice.patient.pk, "conversation_id": conversation.pk},
        )
    )

    assert SUBJECT in listed.content.decode()
    assert "New message" in listed.content.decode()
    assert "New reply" not in listed.content.decode()
    assert "Nurse Nora Nguyen, Care team" in thread.content.decode()
    assert BODY in thread.content.decode()
    assert "From your care team" in thread.content.decode()
    assert "Answered" not in thread.content.decode()
    assert conversation.started_by_role == AuthorRole.STAFF


def test_the_patient_is_notified_as_for_a_reply_without_what_it_says(nora, alice, nursing):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    client = sign_in(Client(), nora)

    response = client.post(start_url(alice.patient), form_data(nursing), follow=True)

    notice = Notification.objects.get(kind=NotificationKind.NEW_MESSAGE)
    assert notice.to_address == alice.email
    for private in (SUBJECT, BODY, "cholesterol", "Alice", "Adams", "Nursing"):
        assert private not in notice.subject
        assert private not in notice.body
    assert "We let the patient know a message is waiting." in response.content.decode()


def test_without_a_confirmed_address_the_nurse_is_told_how_to_reach_the_patient(
    nora, alice, nursing
):
    alice.patient.phone = "555-0100"
    alice.patient.save(update_fields=["phone"])
    client = sign_in(Client(), nora)

    response = client.post(start_url(alice.patient), form_data(nursing), follow=True)

    assert not Notification.objects.exists()
    page = response.content.decode()
    assert "We let the patient know" not in page
    assert "call them on 555-0100" in page


def test_sending_the_same_form_twice_starts_one_conversation(nora, alice, nursing):
    client = sign_in(Client(), nora)
    data = form_data(nursing)

    first = client.post(start_url(alice.patient), data)
    second = client.post(start_url(alice.patient), data)

    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_starting_is_audited_once_as_the_message(nora, alice, nursing):
    sign_in(Client(), nora).post(start_url(alice.patient), form_data(nursing))

    events = AuditEvent.objects.filter(actor=nora, patient=alice.patient, action="create")
    (event,) = events
    assert event.object_type == "Message"
    assert event.object_id == str(Message.objects.get().pk)
    assert event.outcome == AuditOutcome.ALLOWED


def test_opening_the_form_is_audited_as_a_view(nora, alice, nursing):
    sign_in(Client(), nora).get(start_url(alice.patient))

    assert AuditEvent.objects.filter(
        actor=nora, patient=alice.patient, action=AuditAction.VIEW, object_type="Conversation"
    ).exists()


def test_a_patient_of_another_clinic_is_not_found_and_audited_as_denied(olga, alice, nursing):
    client = sign_in(Client(), olga)

    assert client.get(start_url(alice.patient)).status_code == 404
    assert client.post(start_url(alice.patient), form_data(nursing)).status_code == 404

    assert not Conversation.objects.exists()
    denied = AuditEvent.objects.filter(actor=olga, outcome=AuditOutcome.DENIED)
    assert denied.count() == 2
    assert set(denied.values_list("patient_id", flat=True)) == {alice.patient.pk}


def test_patients_cannot_open_the_console_form(alice, charlie, nursing):
    client = sign_in(Client(), alice)

    assert client.get(start_url(alice.patient)).status_code == 404
    assert client.get(start_url(charlie.patient)).status_code == 404
    assert client.post(start_url(alice.patient), form_data(nursing)).status_code == 404
    assert not Conversation.objects.exists()


def test_a_patient_without_an_account_cannot_be_written_to(nora, clinic, nursing):
    dora = PatientFactory(given_names="Dora", family_name="Diaz", managing_organization=clinic)
    client = sign_in(Client(), nora)

    page = client.get(start_url(dora)).content.decode()
    posted = client.post(start_url(dora), form_data(nursing))

    assert "has no portal account yet" in page
    assert "Send to the patient" not in page
    assert posted.status_code == 200
    assert not Conversation.objects.exists()


def test_missing_words_are_shown_as_errors_and_nothing_is_sent(nora, alice, nursing):
    client = sign_in(Client(), nora)

    response = client.post(start_url(alice.patient), form_data(nursing, body="  ", subject=""))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Write your message." in page and "Write a subject." in page
    assert not Conversation.objects.exists()


def test_a_recipient_of_another_clinic_is_refused(nora, alice, nursing, other_clinic):
    elsewhere = MessagePoolFactory(organization=other_clinic, name="Elsewhere")
    client = sign_in(Client(), nora)

    response = client.post(start_url(alice.patient), form_data(elsewhere))

    assert response.status_code == 200
    assert not Conversation.objects.exists()


def test_the_form_costs_the_same_with_many_queues_and_clinicians(nora, alice, clinic, nursing):
    client = sign_in(Client(), nora)

    def cost() -> int:
        client.get(start_url(alice.patient))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(start_url(alice.patient)).status_code == 200
        return len(captured)

    few = cost()
    for index in range(15):
        MessagePoolFactory(organization=clinic, name=f"Queue {index}")
        StaffMembershipFactory(
            user=UserFactory(first_name="Doc", last_name=f"Tor {index}"),
            organization=clinic,
            role="clinician",
        )

    assert cost() == few
