"""The patient's message pages: list, writing, a conversation, closing and files."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.audit.models import AuditAction, AuditEvent, AuditOutcome
from lantern.messaging import services, views
from lantern.messaging.models import (
    Attachment,
    AuthorRole,
    Conversation,
    ConversationStatus,
    Message,
)
from lantern.testing.auth import sign_in
from lantern.testing.factories import UserFactory
from lantern.testing.factories_messaging import ConversationFactory, MessageFactory

from .conftest import pdf_bytes, png_upload, upload

pytestmark = pytest.mark.django_db


def list_url(user) -> str:
    return reverse("messaging:list", kwargs={"patient_id": user.patient_id})


def new_url(user) -> str:
    return reverse("messaging:new", kwargs={"patient_id": user.patient_id})


def detail_url(conversation) -> str:
    return reverse(
        "messaging:detail",
        kwargs={"patient_id": conversation.patient_id, "conversation_id": conversation.pk},
    )


def reply_url(conversation) -> str:
    return detail_url(conversation) + "reply/"


def close_url(conversation) -> str:
    return detail_url(conversation) + "close/"


def attachment_url(attachment) -> str:
    return reverse(
        "messaging:attachment",
        kwargs={
            "patient_id": attachment.message.conversation.patient_id,
            "attachment_id": attachment.pk,
        },
    )


def compose_data(recipient: str, **fields) -> dict:
    return {
        "recipient": recipient,
        "subject": "Dizzy after new medicine",
        "body": "Is it normal to feel dizzy?",
        "submission_id": str(uuid.uuid4()),
        **fields,
    }


@pytest.fixture
def conversation(alice, nursing):
    return ConversationFactory(
        patient=alice.patient, pool=nursing, created_by=alice, subject="Knee pain"
    )


@pytest.fixture
def alice_client(alice):
    return sign_in(Client(), alice)


@pytest.fixture
def charlie_client(charlie):
    return sign_in(Client(), charlie)


def main_text(response) -> str:
    return response.content.decode().split("<main", 1)[1]


# The navigation link.


def test_the_messages_link_takes_a_patient_to_their_own_list(alice_client, alice):
    response = alice_client.get("/messages/")

    assert response.status_code == 302
    assert response["Location"] == list_url(alice)


def test_the_messages_link_takes_staff_without_a_record_to_the_console_inbox(nora):
    response = sign_in(Client(), nora).get("/messages/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/messages/"


def test_the_messages_link_is_not_found_for_an_account_without_a_record(db):
    assert sign_in(Client(), UserFactory()).get("/messages/").status_code == 404


def test_the_list_asks_to_sign_in_first(alice):
    response = Client().get(list_url(alice))

    assert response.status_code == 302


# The list.


def test_the_list_shows_each_conversation_with_its_state_in_words(
    alice_client, alice, nursing, dr_diaz
):
    now = timezone.now()
    make = ConversationFactory
    make(patient=alice.patient, pool=nursing, subject="Waiting one", created_by=alice)
    make(
        patient=alice.patient,
        pool=None,
        clinician=dr_diaz,
        subject="Replied one",
        created_by=alice,
        last_message_role=AuthorRole.STAFF,
        last_message_at=now - dt.timedelta(hours=1),
    )
    make(
        patient=alice.patient,
        pool=nursing,
        subject="Read reply",
        created_by=alice,
        last_message_role=AuthorRole.STAFF,
        last_message_at=now - dt.timedelta(hours=2),
        patient_read_at=now,
    )
    make(
        patient=alice.patient,
        pool=nursing,
        subject="Finished one",
        created_by=alice,
        status=ConversationStatus.CLOSED,
        last_message_at=now - dt.timedelta(hours=3),
    )

    text = main_text(alice_client.get(list_url(alice)))

    assert text.count('data-testid="conversation-row"') == 4
    assert text.index("Waiting one") < text.index("Replied one") < text.index("Read reply")
    assert "Waiting for an answer" in text
    assert "New reply" in text
    assert "Answered" in text
    assert "Closed" in text
    assert "Dana Diaz" in text
    assert "Nursing" in text


def test_the_list_filters_open_and_closed(alice_client, alice, nursing):
    ConversationFactory(patient=alice.patient, pool=nursing, subject="Open one", created_by=alice)
    ConversationFactory(
        patient=alice.patient,
        pool=nursing,
        subject="Closed one",
        created_by=alice,
        status=ConversationStatus.CLOSED,
    )

    open_text = main_text(alice_client.get(list_url(alice) + "?show=open"))
    closed_text = main_text(alice_client.get(list_url(alice) + "?show=closed"))

    assert "Open one" in open_text and "Closed one" not in open_text
    assert "Closed one" in closed_text and "Open one" not in closed_text


def test_the_list_shows_only_the_patients_own_conversations(alice_client, alice, charlie, nursing):
    ConversationFactory(patient=alice.patient, pool=nursing, subject="Alice asks", created_by=alice)
    ConversationFactory(
        patient=charlie.patient, pool=nursing, subject="Charlie asks", created_by=charlie
    )

    text = main_text(alice_client.get(list_url(alice)))

    assert "Alice asks" in text
    assert "Charlie asks" not in text


def test_an_empty_list_explains_and_offers_to_write(alice_client, alice):
    text = main_text(alice_client.get(list_url(alice)))

    assert "You have no messages yet" in text
    assert new_url(alice) in text


def test_viewing_the_list_is_audited(alice_client, alice):
    alice_client.get(list_url(alice))

    assert AuditEvent.objects.filter(
        actor=alice, action=AuditAction.VIEW, object_type="Conversation"
    ).exists()


# Writing a new message.


def test_the_compose_page_says_what_to_do_in_an_emergency_and_when_to_expect_an_answer(
    alice_client, alice, nursing, settings
):
    settings.EMERGENCY_NUMBER = "112"
    settings.MESSAGE_REPLY_BUSINESS_DAYS = 2

    text = main_text(alice_client.get(new_url(alice)))

    assert "If this is an emergency, call 112" in text
    assert "We answer messages within 2 business days" in text


def test_the_compose_page_offers_the_clinics_pools_then_its_clinicians_only(
    alice_client, alice, nursing, billing, dr_diaz, nora, olga
):
    text = main_text(alice_client.get(new_url(alice)))

    assert f'value="pool:{nursing.pk}"' in text
    assert f'value="pool:{billing.pk}"' in text
    assert f'value="clinician:{dr_diaz.pk}"' in text
    assert text.index("Nursing") < text.index("Billing questions") < text.index("Dana Diaz")
    assert f'value="clinician:{nora.pk}"' not in text
    assert f'value="clinician:{olga.pk}"' not in text
    assert 'type="file"' in text and "multiple" in text
    assert 'accept="image/*,application/pdf"' in text
    assert 'name="submission_id"' in text


def test_sending_a_new_message_to_a_pool_opens_its_conversation(alice_client, alice, nursing):
    response = alice_client.post(new_url(alice), compose_data(f"pool:{nursing.pk}"))

    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(conversation)
    assert conversation.pool == nursing
    assert conversation.created_by == alice
    message = conversation.messages.get()
    assert message.body == "Is it normal to feel dizzy?"
    # One message sent, one event: the message, with its id.
    [event] = AuditEvent.objects.filter(patient=alice.patient)
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.CREATE,
        "Message",
        str(message.pk),
    )


def test_sending_a_new_message_to_a_clinician(alice_client, alice, dr_diaz):
    response = alice_client.post(new_url(alice), compose_data(f"clinician:{dr_diaz.pk}"))

    assert response.status_code == 302
    assert Conversation.objects.get().clinician == dr_diaz


def test_a_recipient_from_another_clinic_is_refused_on_the_page(alice_client, alice, nursing, olga):
    response = alice_client.post(new_url(alice), compose_data(f"clinician:{olga.pk}"))

    assert response.status_code == 200
    assert "Choose who to send your message to from the list." in response.text
    assert not Conversation.objects.exists()


def test_sending_the_same_form_twice_makes_one_conversation_and_the_same_redirect(
    alice_client, alice, nursing
):
    data = compose_data(f"pool:{nursing.pk}")

    first = alice_client.post(new_url(alice), data)
    second = alice_client.post(new_url(alice), data)

    assert first["Location"] == second["Location"]
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1


# Transactional: the test does not wrap the request in a transaction, so what the page says is
# checked against a real commit.
@pytest.mark.django_db(transaction=True)
def test_the_page_says_sent_only_once_the_message_is_committed(alice, nursing, monkeypatch):
    seen: list[tuple[bool, bool]] = []
    real_success = views.messages.success

    def record(request, text, *args, **kwargs):
        # Another connection would see the row: the transaction that wrote it has ended.
        seen.append((connection.in_atomic_block, Message.objects.exists()))
        return real_success(request, text, *args, **kwargs)

    monkeypatch.setattr(views.messages, "success", record)
    client = sign_in(Client(), alice)

    response = client.post(new_url(alice), compose_data(f"pool:{nursing.pk}"))

    assert response.status_code == 302
    assert seen == [(False, True)]
    assert "Your message was sent." in client.get(response["Location"]).text


@pytest.mark.django_db(transaction=True)
def test_a_reply_says_sent_only_once_it_is_committed(alice, nursing, monkeypatch):
    conversation = ConversationFactory(patient=alice.patient, pool=nursing, created_by=alice)
    seen: list[tuple[bool, bool]] = []
    real_success = views.messages.success

    def record(request, text, *args, **kwargs):
        seen.append((connection.in_atomic_block, Message.objects.exists()))
        return real_success(request, text, *args, **kwargs)

    monkeypatch.setattr(views.messages, "success", record)
    client = sign_in(Client(), alice)

    response = client.post(
        reply_url(conversation), {"body": "Thanks", "submission_id": str(uuid.uuid4())}
    )

    assert response.status_code == 302
    assert seen == [(False, True)]
    assert "Your message was sent." in client.get(response["Location"]).text


def test_a_bad_file_keeps_the_text_and_says_why(alice_client, alice, nursing, private_root):
    data = compose_data(
        f"pool:{nursing.pk}",
        subject="My rash",
        body="Photo attached, it got worse.",
        attachments=[upload("scan.png", b"<html><body>hi</body></html>")],
    )

    response = alice_client.post(new_url(alice), data)

    text = main_text(response)
    assert response.status_code == 200
    assert "scan.png is not an image or a PDF" in text
    assert "Choose the files again." in text
    assert 'value="My rash"' in text
    assert "Photo attached, it got worse.</textarea>" in text
    assert f'value="{data["submission_id"]}"' in text
    assert "There is a problem" in text
    assert not Conversation.objects.exists()
    assert not (private_root / "attachments").exists() or not any(
        (private_root / "attachments").iterdir()
    )


def test_a_new_message_with_files_saves_them(alice_client, alice, nursing, private_root):
    data = compose_data(
        f"pool:{nursing.pk}", attachments=[png_upload("rash.png"), upload("d.pdf", pdf_bytes())]
    )

    response = alice_client.post(new_url(alice), data)

    assert response.status_code == 302
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == ["d.pdf", "rash.png"]


def test_charlie_cannot_write_in_alices_name(charlie_client, alice, nursing):
    response = charlie_client.post(new_url(alice), compose_data(f"pool:{nursing.pk}"))

    assert response.status_code == 404
    assert not Conversation.objects.exists()
    assert AuditEvent.objects.filter(outcome=AuditOutcome.DENIED).exists()


# A conversation.


def test_the_thread_shows_messages_oldest_first_with_who_wrote_them(
    alice_client, alice, conversation, nora_access
):
    start = timezone.now() - dt.timedelta(days=1)
    MessageFactory(conversation=conversation, author=alice, body="First question", created_at=start)
    MessageFactory(
        conversation=conversation,
        author=nora_access.user,
        author_role=AuthorRole.STAFF,
        body="Nurse answer",
        created_at=start + dt.timedelta(hours=1),
    )

    text = main_text(alice_client.get(detail_url(conversation)))

    assert text.index("First question") < text.index("Nurse answer")
    assert "You</h2>" in text
    assert "Nurse Nora Nguyen, Care team" in text
    assert "Knee pain</h1>" in text
    assert "Close this conversation" in text
    assert "If this is an emergency, call" in text
    assert "business days" in text


def test_the_thread_says_when_the_care_team_has_read_the_message(alice_client, conversation):
    before = main_text(alice_client.get(detail_url(conversation)))
    Conversation.objects.filter(pk=conversation.pk).update(clinic_read_at=timezone.now())
    after = main_text(alice_client.get(detail_url(conversation)))

    assert "Waiting for an answer" in before
    assert "your care team has read your message" not in before
    assert "your care team has read your message" in after


def test_opening_a_thread_marks_the_reply_read(alice_client, conversation):
    Conversation.objects.filter(pk=conversation.pk).update(last_message_role=AuthorRole.STAFF)
    conversation.refresh_from_db()
    assert conversation.unread_by_patient

    alice_client.get(detail_url(conversation))

    conversation.refresh_from_db()
    assert not conversation.unread_by_patient
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="Conversation").exists()


def test_opening_a_thread_read_to_its_end_writes_nothing(alice_client, conversation):
    alice_client.get(detail_url(conversation))
    conversation.refresh_from_db()
    read_at = conversation.patient_read_at

    with CaptureQueriesContext(connection) as captured:
        alice_client.get(detail_url(conversation))

    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert not [sql for sql in updates if "messaging_conversation" in sql]
    conversation.refresh_from_db()
    assert conversation.patient_read_at == read_at


def test_a_long_thread_shows_the_latest_50_and_links_to_earlier_ones(
    alice_client, alice, conversation
):
    start = timezone.now() - dt.timedelta(days=10)
    Message.objects.bulk_create(
        [
            Message(
                conversation=conversation,
                author=alice,
                author_role=AuthorRole.PATIENT,
                body=f"Note number {index:03d}",
                created_at=start + dt.timedelta(minutes=index),
                submission_id=uuid.uuid4(),
            )
            for index in range(60)
        ]
    )

    latest = main_text(alice_client.get(detail_url(conversation)))
    earlier = main_text(alice_client.get(detail_url(conversation) + "?page=2"))

    assert latest.count('data-testid="message"') == 50
    assert "Note number 010" in latest and "Note number 009" not in latest
    assert "See earlier messages" in latest
    assert earlier.count('data-testid="message"') == 10
    assert "Note number 000" in earlier
    assert "See later messages" in earlier


def test_replying_adds_a_message_and_returns_to_the_thread(alice_client, conversation):
    data = {"body": "It still hurts.", "submission_id": str(uuid.uuid4())}

    first = alice_client.post(reply_url(conversation), data)
    second = alice_client.post(reply_url(conversation), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == detail_url(conversation)
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="Message").exists()


def test_an_empty_reply_is_refused_with_the_thread_shown(alice_client, conversation):
    response = alice_client.post(
        reply_url(conversation), {"body": "  ", "submission_id": str(uuid.uuid4())}
    )

    assert response.status_code == 200
    assert "Write your reply." in response.text
    assert "Knee pain</h1>" in response.text
    assert not Message.objects.exists()


def test_a_reply_with_a_bad_file_keeps_the_text(alice_client, conversation):
    response = alice_client.post(
        reply_url(conversation),
        {
            "body": "See the photo.",
            "submission_id": str(uuid.uuid4()),
            "attachments": [upload("photo.gif", b"GIF89a" + b"\x00" * 30)],
        },
    )

    assert "photo.gif is not an image or a PDF" in response.text
    assert "See the photo.</textarea>" in response.text
    assert not Message.objects.exists()


def test_closing_a_conversation(alice_client, conversation):
    response = alice_client.post(close_url(conversation))

    conversation.refresh_from_db()
    assert response.status_code == 302
    assert conversation.status == ConversationStatus.CLOSED
    page = alice_client.get(detail_url(conversation)).text
    assert "You closed this conversation" in page
    assert "Close this conversation</button>" not in page
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="Conversation").exists()


def test_closing_needs_a_post(alice_client, conversation):
    assert alice_client.get(close_url(conversation)).status_code == 405


def test_charlie_cannot_open_reply_to_or_close_alices_conversation(
    charlie_client, alice, conversation
):
    assert charlie_client.get(list_url(alice)).status_code == 404
    assert charlie_client.get(detail_url(conversation)).status_code == 404
    body = {"body": "Hi", "submission_id": str(uuid.uuid4())}
    assert charlie_client.post(reply_url(conversation), body).status_code == 404
    assert charlie_client.post(close_url(conversation)).status_code == 404

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN
    assert not Message.objects.exists()


def test_charlie_cannot_reach_alices_conversation_through_his_own_record(
    charlie_client, charlie, conversation
):
    url = reverse(
        "messaging:detail",
        kwargs={"patient_id": charlie.patient_id, "conversation_id": conversation.pk},
    )

    assert charlie_client.get(url).status_code == 404
    assert (
        charlie_client.post(
            url + "reply/", {"body": "x", "submission_id": str(uuid.uuid4())}
        ).status_code
        == 404
    )
    assert not Message.objects.exists()


# Files.


@pytest.fixture
def attachment(alice_access, conversation, private_root):
    message = services.message_add(
        access=alice_access,
        conversation=conversation,
        body="Photo attached",
        files=[png_upload("rash.png")],
        submission_id=uuid.uuid4(),
    )
    return message.attachments.get()


def test_the_thread_links_to_files_with_their_size(alice_client, attachment):
    text = main_text(alice_client.get(detail_url(attachment.message.conversation)))

    assert attachment_url(attachment) in text
    assert "rash.png</a>" in text
    assert "bytes)" in text


def test_a_file_downloads_as_an_attachment_with_safe_headers(alice_client, alice, attachment):
    response = alice_client.get(attachment_url(attachment))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="rash.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(
        actor=alice, action=AuditAction.EXPORT, object_type="Attachment"
    ).exists()


def test_staff_at_the_clinic_can_download_the_file(nora, attachment):
    assert sign_in(Client(), nora).get(attachment_url(attachment)).status_code == 200


def test_charlie_and_other_clinics_staff_cannot_download_the_file(charlie, olga, attachment):
    assert sign_in(Client(), charlie).get(attachment_url(attachment)).status_code == 404
    assert sign_in(Client(), olga).get(attachment_url(attachment)).status_code == 404
    charlies_url = reverse(
        "messaging:attachment",
        kwargs={"patient_id": charlie.patient_id, "attachment_id": attachment.pk},
    )
    assert sign_in(Client(), charlie).get(charlies_url).status_code == 404


def test_opening_the_compose_page_is_audited_as_a_view_and_sending_as_a_creation(
    alice_client, alice, nursing
):
    alice_client.get(new_url(alice))
    [opened] = AuditEvent.objects.filter(patient=alice.patient)
    assert (opened.action, opened.object_type) == (AuditAction.VIEW, "Conversation")

    alice_client.post(new_url(alice), compose_data(f"pool:{nursing.pk}"))
    [sent] = AuditEvent.objects.filter(patient=alice.patient).exclude(pk=opened.pk)
    assert (sent.action, sent.object_type) == (AuditAction.CREATE, "Message")
