"""The staff inbox pages: who may open them, filters, the thread, the actions and their cost."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from lantern.access.models import StaffRole
from lantern.audit.models import AuditAction, AuditEvent, AuditOutcome
from lantern.messaging import inbox
from lantern.messaging import selectors as patient_selectors
from lantern.messaging.models import (
    Attachment,
    AuthorRole,
    Conversation,
    Message,
    StaffNote,
)
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, StaffMembershipFactory, UserFactory
from lantern.testing.factories_messaging import (
    ConversationFactory,
    MessageFactory,
    MessagePoolFactory,
    StaffNoteFactory,
)

pytestmark = pytest.mark.django_db

INBOX = reverse("staff:inbox")
NOTE_TEXT = "Internal: the pharmacy says the dose was changed."


@pytest.fixture
def nursing(clinic):
    return MessagePoolFactory(organization=clinic, name="Nursing")


@pytest.fixture
def conversation(alice, nursing):
    conversation = ConversationFactory(
        patient=alice.patient,
        created_by=alice,
        pool=nursing,
        subject="Tired after the new medicine",
        waiting_since=timezone.now() - dt.timedelta(days=2, hours=3),
    )
    MessageFactory(conversation=conversation, author=alice, body="Is this normal?")
    return conversation


def url(name: str, conversation) -> str:
    return reverse(f"staff:{name}", kwargs={"conversation_id": conversation.pk})


def every_url(conversation) -> list[tuple[str, str]]:
    return [
        ("get", INBOX),
        ("get", url("conversation", conversation)),
        ("post", url("conversation_reply", conversation)),
        ("post", url("conversation_note", conversation)),
        ("post", url("conversation_assign", conversation)),
        ("post", url("conversation_done", conversation)),
    ]


# Who may open the inbox.


def test_patients_get_not_found_on_every_inbox_address(alice, conversation):
    client = sign_in(Client(), alice)
    for method, address in every_url(conversation):
        assert getattr(client, method)(address).status_code == 404, address


def test_staff_of_another_clinic_get_not_found_and_see_none_of_the_conversations(
    olga, conversation
):
    client = sign_in(Client(), olga)
    page = client.get(INBOX, {"state": "all"})
    assert page.status_code == 200
    assert conversation.subject not in page.content.decode()
    for method, address in every_url(conversation)[1:]:
        assert getattr(client, method)(address).status_code == 404, address
    conversation.refresh_from_db()
    assert conversation.done_at is None and conversation.assigned_to is None


def test_attempts_on_another_clinics_conversation_are_audited_as_denied(olga, conversation):
    client = sign_in(Client(), olga)
    opened = reverse("staff:conversation", kwargs={"conversation_id": conversation.pk})
    done = reverse("staff:conversation_done", kwargs={"conversation_id": conversation.pk})

    assert client.get(opened).status_code == 404
    assert client.post(done).status_code == 404

    denied = AuditEvent.objects.filter(actor=olga, outcome=AuditOutcome.DENIED)
    assert sorted(denied.values_list("action", flat=True)) == [
        AuditAction.UPDATE,
        AuditAction.VIEW,
    ]
    assert {(event.patient_id, event.object_type, event.object_id) for event in denied} == {
        (conversation.patient_id, "Conversation", str(conversation.pk))
    }


def test_the_inbox_addresses_hold_ids_only(conversation):
    for _, address in every_url(conversation):
        assert "Adams" not in address and "Alice" not in address


# The list.


def test_the_inbox_lists_waiting_conversations_with_patient_time_waiting_and_unread(
    nora, conversation
):
    page = sign_in(Client(), nora).get(INBOX).content.decode()

    assert "Alice Adams" in page
    assert conversation.patient.mrn in page
    assert "Tired after the new medicine" in page
    assert "Nursing" in page
    assert "Waiting <time datetime=" in page
    assert "2 days 3 hours" in page
    assert "Unread" in page
    assert url("conversation", conversation) in page
    assert page.count("<h1") == 1


def test_the_inbox_filters_by_queue_and_state(nora, alice, nursing, conversation):
    billing = MessagePoolFactory(organization=nursing.organization, name="Billing questions")
    bill = ConversationFactory(
        patient=alice.patient, created_by=alice, pool=billing, subject="A bill I do not understand"
    )
    done = ConversationFactory(
        patient=alice.patient,
        created_by=alice,
        pool=nursing,
        subject="Already handled",
        waiting_since=None,
        done_at=timezone.now(),
    )
    client = sign_in(Client(), nora)

    nursing_page = client.get(INBOX, {"queue": str(nursing.pk)}).content.decode()
    assert conversation.subject in nursing_page and bill.subject not in nursing_page
    assert "Billing questions (1)" in nursing_page and "Nursing (1)" in nursing_page

    done_page = client.get(INBOX, {"state": "done"}).content.decode()
    assert done.subject in done_page and conversation.subject not in done_page

    mine = client.get(INBOX, {"queue": "mine"}).content.decode()
    assert conversation.subject not in mine and "No conversations are waiting" in mine

    foreign_pool = MessagePoolFactory()
    assert client.get(INBOX, {"queue": str(foreign_pool.pk)}).status_code == 404


def test_past_the_counted_limit_the_inbox_says_so_and_lists_the_first(
    nora, alice, nursing, conversation, monkeypatch
):
    monkeypatch.setattr(inbox, "COUNTED_UP_TO", 1)
    ConversationFactory(
        patient=alice.patient, created_by=alice, pool=nursing, subject="A second question"
    )

    page = sign_in(Client(), nora).get(INBOX).content.decode()

    assert "Waiting for a reply (1+)" in page
    assert "Only the first 1 conversations are listed" in page
    assert page.count('data-label="Subject"') == 1


def test_the_console_home_counts_messages_waiting_and_links_to_the_inbox(nora, conversation):
    page = sign_in(Client(), nora).get(reverse("staff:home")).content.decode()
    assert "Messages waiting" in page
    assert "<strong>1</strong> waiting for a reply" in page
    assert f'href="{INBOX}"' in page


def test_the_console_navigation_has_messages_before_patients(nora):
    page = sign_in(Client(), nora).get(INBOX).content.decode()
    assert 0 < page.index(">Messages<") < page.index(">Patients<")


# The conversation page.


def test_the_conversation_page_shows_the_thread_notes_labelled_and_the_forms(nora, conversation):
    StaffNoteFactory(conversation=conversation, author=nora, body=NOTE_TEXT)
    page = sign_in(Client(), nora).get(url("conversation", conversation)).content.decode()

    assert "Is this normal?" in page
    assert NOTE_TEXT in page
    assert "Internal note — not visible to the patient" in page
    assert page.index("Is this normal?") < page.index(NOTE_TEXT)
    assert reverse("staff:patient", kwargs={"patient_id": conversation.patient_id}) in page
    for action in ("conversation_reply", "conversation_note", "conversation_assign"):
        assert url(action, conversation) in page
    assert "Mark done" in page and "Assign to me" in page
    assert 'name="submission_id"' in page
    conversation.refresh_from_db()
    assert not conversation.unread_by_clinic
    assert AuditEvent.objects.filter(
        actor=nora, action=AuditAction.VIEW, object_type="Conversation"
    ).exists()


def test_attachments_link_to_the_access_checked_download(nora, conversation):
    message = conversation.messages.get()
    attachment = Attachment.objects.create(
        message=message,
        filename="rash.png",
        content_type="image/png",
        size=2048,
        sha256="0" * 64,
        storage_name=uuid.uuid4().hex,
    )
    page = sign_in(Client(), nora).get(url("conversation", conversation)).content.decode()
    download = reverse(
        "messaging:attachment",
        kwargs={"patient_id": conversation.patient_id, "attachment_id": attachment.pk},
    )
    assert f'href="{download}"' in page
    assert "rash.png" in page


def test_a_note_is_never_visible_on_the_patients_side(alice, nora, conversation):
    client = sign_in(Client(), nora)
    response = client.post(
        url("conversation_note", conversation),
        {"body": NOTE_TEXT, "submission_id": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    assert StaffNote.objects.filter(conversation=conversation, body=NOTE_TEXT).exists()

    access = patient_selectors_access(alice)
    thread = patient_selectors.thread_for(access=access, conversation_id=conversation.pk, page=None)
    shown = [entry.message.body for entry in thread.messages]
    assert shown == ["Is this normal?"]
    patient_page = sign_in(Client(), alice).get(
        reverse(
            "messaging:detail",
            kwargs={"patient_id": alice.patient_id, "conversation_id": conversation.pk},
        )
    )
    assert patient_page.status_code == 200
    body = patient_page.content.decode()
    assert "Is this normal?" in body
    assert NOTE_TEXT not in body and "Internal note" not in body


def patient_selectors_access(user):
    from lantern.access.policy import patient_access

    return patient_access(user, user.patient_id)


# Actions: Post/Redirect/Get with a message.


def blank_pdf() -> bytes:
    """A real one-page PDF: files that do not parse as PDFs are refused."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_reply_goes_through_message_add_stops_the_wait_and_carries_files(nora, conversation):
    client = sign_in(Client(), nora)
    submission_id = str(uuid.uuid4())
    form = {
        "body": "Yes, for the first week. Call us if it lasts.",
        "submission_id": submission_id,
        "attachments": SimpleUploadedFile("leaflet.pdf", blank_pdf(), "application/pdf"),
    }
    response = client.post(url("conversation_reply", conversation), form, follow=True)

    assert response.redirect_chain == [(url("conversation", conversation), 302)]
    assert "Your reply was sent" in response.content.decode()
    reply = Message.objects.get(conversation=conversation, author=nora)
    assert reply.author_role == AuthorRole.STAFF
    assert reply.attachments.get().filename.endswith(".pdf")
    conversation.refresh_from_db()
    assert conversation.waiting_since is None
    assert not conversation.unread_by_clinic

    # The same form sent again (a double click) does not send a second reply.
    client.post(url("conversation_reply", conversation), {**form, "attachments": []})
    assert Message.objects.filter(conversation=conversation, author=nora).count() == 1


def test_an_empty_reply_shows_the_error_and_sends_nothing(nora, conversation):
    response = sign_in(Client(), nora).post(
        url("conversation_reply", conversation), {"body": "", "submission_id": str(uuid.uuid4())}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not Message.objects.filter(author=nora).exists()


def test_a_note_posted_twice_is_added_once(nora, conversation):
    client = sign_in(Client(), nora)
    form = {"body": NOTE_TEXT, "submission_id": str(uuid.uuid4())}
    first = client.post(url("conversation_note", conversation), form, follow=True)
    client.post(url("conversation_note", conversation), form)

    assert "Internal note added" in first.content.decode()
    assert StaffNote.objects.filter(conversation=conversation).count() == 1


def test_assign_to_a_colleague_to_me_and_unassign(nora, clinic, conversation):
    colleague = UserFactory(first_name="Colin", last_name="Doe")
    StaffMembershipFactory(user=colleague, organization=clinic, role=StaffRole.CLINICIAN)
    client = sign_in(Client(), nora)
    assign = url("conversation_assign", conversation)

    page = client.get(url("conversation", conversation)).content.decode()
    assert "Colin Doe" in page

    response = client.post(assign, {"assignee": colleague.pk}, follow=True)
    assert "Assigned to Colin Doe." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.assigned_to == colleague

    client.post(assign, {"assignee": nora.pk})
    conversation.refresh_from_db()
    assert conversation.assigned_to == nora
    assert conversation.subject in client.get(INBOX, {"queue": "mine"}).content.decode()

    client.post(assign, {"assignee": ""})
    conversation.refresh_from_db()
    assert conversation.assigned_to is None


def test_assigning_to_staff_of_another_clinic_is_refused(nora, olga, conversation):
    response = sign_in(Client(), nora).post(
        url("conversation_assign", conversation), {"assignee": olga.pk}, follow=True
    )
    assert "Choose someone who works at this clinic." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.assigned_to is None


def test_mark_done_leaves_the_waiting_list_until_the_patient_writes_again(
    alice, nora, conversation
):
    client = sign_in(Client(), nora)
    response = client.post(url("conversation_done", conversation), follow=True)

    assert response.redirect_chain == [(INBOX, 302)]
    assert "Marked done" in response.content.decode()
    assert conversation.subject not in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.done_by == nora and conversation.waiting_since is None
    assert AuditEvent.objects.filter(
        actor=nora, action=AuditAction.UPDATE, object_id=str(conversation.pk)
    ).exists()

    from lantern.access.policy import patient_access
    from lantern.messaging.services import message_add

    message_add(
        access=patient_access(alice, alice.patient_id),
        conversation=conversation,
        body="It is still happening.",
        submission_id=uuid.uuid4(),
    )
    assert conversation.subject in client.get(INBOX).content.decode()


# Query counts.


def queries_for(client: Client, address: str, params: dict | None = None) -> int:
    client.get(address, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address, params)
    assert response.status_code == 200, address
    return len(captured)


def fill_inbox(clinic, pool, count: int) -> None:
    staff = UserFactory()
    StaffMembershipFactory(user=staff, organization=clinic)
    # One account writes for every patient: only the conversations need to be many.
    writer = UserFactory()
    for index in range(count):
        ConversationFactory(
            patient=PatientFactory(managing_organization=clinic),
            created_by=writer,
            pool=pool,
            assigned_to=staff if index % 2 else None,
            waiting_since=timezone.now() - dt.timedelta(hours=index + 1),
        )


INBOX_FILTERS = [{}, {"state": "all"}, {"queue": "mine"}, {"state": "unread", "page": "2"}]


def inbox_costs(user) -> list[int]:
    client = sign_in(Client(), user)
    return [queries_for(client, INBOX, params) for params in INBOX_FILTERS]


def test_the_inbox_costs_the_same_for_3_and_80_conversations(clinic, nora, other_clinic):
    fill_inbox(clinic, MessagePoolFactory(organization=clinic, name="Nursing"), 3)
    fill_inbox(other_clinic, MessagePoolFactory(organization=other_clinic, name="Nursing"), 80)
    busy = UserFactory(username="busy")
    StaffMembershipFactory(user=busy, organization=other_clinic)

    assert inbox_costs(nora) == inbox_costs(busy)


def conversation_with(clinic, *, messages: int, notes: int) -> Conversation:
    pool = MessagePoolFactory(organization=clinic)
    patient = PatientFactory(managing_organization=clinic)
    owner = UserFactory(patient=patient)
    conversation = ConversationFactory(patient=patient, created_by=owner, pool=pool)
    staff = UserFactory()
    StaffMembershipFactory(user=staff, organization=clinic)
    start = timezone.now() - dt.timedelta(days=1)
    batch = []
    for index in range(messages):
        from_staff = index % 2 == 1
        batch.append(
            Message(
                conversation=conversation,
                author=staff if from_staff else owner,
                author_role=AuthorRole.STAFF if from_staff else AuthorRole.PATIENT,
                body=f"Message {index}",
                created_at=start + dt.timedelta(minutes=index),
                submission_id=uuid.uuid4(),
            )
        )
    Message.objects.bulk_create(batch)
    Attachment.objects.bulk_create(
        Attachment(
            message=message,
            filename=f"photo-{index}.png",
            content_type="image/png",
            size=100,
            sha256="0" * 64,
            storage_name=uuid.uuid4().hex,
        )
        for index, message in enumerate(batch[::10])
    )
    StaffNote.objects.bulk_create(
        StaffNote(
            conversation=conversation,
            author=staff,
            body=f"Note {index}",
            created_at=start + dt.timedelta(minutes=index, seconds=30),
            submission_id=uuid.uuid4(),
        )
        for index in range(notes)
    )
    return conversation


def test_the_conversation_page_costs_the_same_for_2_and_100_messages(clinic, nora):
    client = sign_in(Client(), nora)
    small = conversation_with(clinic, messages=2, notes=1)
    large = conversation_with(clinic, messages=100, notes=40)

    assert queries_for(client, url("conversation", small)) == queries_for(
        client, url("conversation", large)
    )


# What the reply's confirmation promises about telling the patient.


def reply_confirmation(nora, conversation) -> str:
    form = {"body": "Please book a blood test.", "submission_id": str(uuid.uuid4())}
    response = sign_in(Client(), nora).post(
        url("conversation_reply", conversation), form, follow=True
    )
    return response.content.decode()


def test_a_reply_says_the_patient_was_told_only_when_a_notice_was_queued(nora, alice, conversation):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])

    page = reply_confirmation(nora, conversation)

    assert "We let the patient know a message is waiting." in page
    assert "no confirmed email" not in page


def test_a_reply_to_a_patient_no_one_can_notify_says_to_call_them(nora, alice, conversation):
    alice.patient.phone = "555-0142"
    alice.patient.save(update_fields=["phone"])

    page = reply_confirmation(nora, conversation)

    assert "We let the patient know" not in page
    assert "no confirmed email or mobile number for notices" in page
    assert "call them on 555-0142" in page


def test_the_internal_note_box_sits_in_a_tinted_labelled_area_apart_from_the_reply(
    nora, conversation
):
    page = sign_in(Client(), nora).get(url("conversation", conversation)).content.decode()

    note_area = page[page.index('class="lantern-note-area') :]
    assert "Internal note — the patient never sees this" in note_area
    assert url("conversation_note", conversation) in note_area
    # The reply form comes before the note area and is not inside it.
    assert url("conversation_reply", conversation) not in note_area
    assert 'class="usa-form maxw-tablet lantern-reply-form"' in page
