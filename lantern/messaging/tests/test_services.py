"""The messaging services: adding messages, starting and closing conversations, reading."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lantern.audit.models import AuditAction, AuditEvent
from lantern.messaging import services
from lantern.messaging.models import (
    Attachment,
    AuthorRole,
    Conversation,
    ConversationStatus,
    Message,
)
from lantern.messaging.selectors import ConversationNotFound
from lantern.testing.factories_messaging import ConversationFactory, MessageFactory

from .conftest import pdf_upload, png_upload, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(alice, nursing):
    return ConversationFactory(patient=alice.patient, pool=nursing, created_by=alice)


def add(access, conversation, body="Thank you.", **kwargs):
    kwargs.setdefault("submission_id", uuid.uuid4())
    return services.message_add(access=access, conversation=conversation, body=body, **kwargs)


# message_add: the patient's side.


def test_a_patient_message_is_written_with_the_patient_role(alice_access, conversation):
    message = add(alice_access, conversation, body="  Still dizzy today.  ")

    message.refresh_from_db()
    assert message.author == alice_access.user
    assert message.author_role == AuthorRole.PATIENT
    assert message.body == "Still dizzy today."
    assert message.conversation == conversation


def test_a_patient_message_makes_the_clinic_wait_and_marks_it_read_for_the_patient(
    alice_access, conversation
):
    conversation.last_message_role = AuthorRole.STAFF
    conversation.waiting_since = None
    conversation.save()

    message = add(alice_access, conversation)

    conversation.refresh_from_db()
    assert conversation.last_message_at == message.created_at
    assert conversation.last_message_role == AuthorRole.PATIENT
    assert conversation.waiting_since == message.created_at
    assert conversation.patient_read_at == message.created_at
    assert conversation.unread_by_clinic


def test_a_second_patient_message_keeps_the_original_waiting_time(alice_access, conversation):
    waiting_since = timezone.now() - dt.timedelta(days=2)
    conversation.waiting_since = waiting_since
    conversation.save()

    add(alice_access, conversation)

    conversation.refresh_from_db()
    assert conversation.waiting_since == waiting_since


def test_a_patient_message_reopens_a_closed_and_done_conversation(alice_access, conversation, nora):
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        status=ConversationStatus.CLOSED, closed_at=now, done_at=now, done_by=nora
    )
    conversation.refresh_from_db()

    add(alice_access, conversation)

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN
    assert conversation.closed_at is None
    assert conversation.done_at is None
    assert conversation.done_by is None


def test_adding_a_message_is_audited_with_its_id(alice_access, conversation):
    message = add(alice_access, conversation)

    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="Message")
    assert event.object_id == str(message.pk)
    assert event.patient == conversation.patient
    assert event.actor == alice_access.user


# message_add: the care team's side.


def test_a_staff_message_ends_the_wait_and_marks_it_read_for_the_clinic(nora_access, conversation):
    message = add(nora_access, conversation, body="Please come in on Monday.")

    conversation.refresh_from_db()
    assert message.author_role == AuthorRole.STAFF
    assert conversation.waiting_since is None
    assert conversation.clinic_read_at == message.created_at
    assert conversation.is_answered
    assert conversation.unread_by_patient


def test_a_staff_message_notifies_the_patients_account_once(nora_access, conversation, alice):
    preferences = pytest.importorskip("lantern.notifications.preferences")
    from lantern.notifications.models import Notification, NotificationKind

    alice.email_verified_at = timezone.now()
    alice.save()
    submission_id = uuid.uuid4()

    add(nora_access, conversation, submission_id=submission_id)
    add(nora_access, conversation, submission_id=submission_id)

    assert preferences.NotificationEvent.NEW_MESSAGE
    notices = Notification.objects.filter(kind=NotificationKind.NEW_MESSAGE)
    assert notices.count() == 1
    assert "Nursing" not in notices.get().body


def test_a_patient_message_notifies_nobody_on_the_patients_side(alice_access, conversation, alice):
    from lantern.notifications.models import Notification

    alice.email_verified_at = timezone.now()
    alice.save()

    add(alice_access, conversation)

    assert not Notification.objects.exists()


# message_add: idempotency and scope.


def test_sending_the_same_submission_twice_makes_one_message(alice_access, conversation):
    submission_id = uuid.uuid4()

    first = add(alice_access, conversation, submission_id=submission_id)
    second = add(alice_access, conversation, body="changed", submission_id=submission_id)

    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="Message").count() == 1


def test_a_submission_that_lost_the_race_returns_the_winners_message(alice_access, conversation):
    # The other request inserted its row after this one checked: the insert fails on the unique
    # constraint inside a savepoint and the service returns the row that won.
    submission_id = uuid.uuid4()
    winner = MessageFactory(
        conversation=conversation, author=alice_access.user, submission_id=submission_id
    )

    result = services._message_write(
        access=alice_access,
        conversation=conversation,
        body="Again",
        checked=[],
        submission_id=submission_id,
    )

    assert result.pk == winner.pk
    assert Message.objects.count() == 1


def test_an_empty_message_is_refused(alice_access, conversation):
    with pytest.raises(ValidationError):
        add(alice_access, conversation, body="  \n ")

    assert not Message.objects.exists()


def test_a_conversation_of_another_patient_is_not_found(alice_access, charlie, nursing):
    charlies = ConversationFactory(patient=charlie.patient, pool=nursing, created_by=charlie)

    with pytest.raises(ConversationNotFound):
        add(alice_access, charlies)

    assert not Message.objects.exists()


# message_add: files.


def test_files_are_saved_with_the_message(alice_access, conversation, private_root):
    message = add(alice_access, conversation, files=[png_upload("rash.png"), pdf_upload()])

    attachments = list(message.attachments.order_by("content_type"))
    assert [a.content_type for a in attachments] == ["application/pdf", "image/png"]
    assert [a.filename for a in attachments] == ["diary.pdf", "rash.png"]
    assert len(stored_files(private_root)) == 2


def test_a_bad_file_writes_nothing_and_names_the_file(alice_access, conversation, private_root):
    files = [png_upload(), upload("scan.png", b"<html><script>alert(1)</script></html>")]

    with pytest.raises(ValidationError) as raised:
        add(alice_access, conversation, files=files)

    assert "scan.png is not an image or a PDF" in raised.value.messages[0]
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []


def test_a_file_written_for_a_transaction_that_rolls_back_is_removed(
    alice_access, conversation, private_root, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_conversation_after_message", fail)

    with pytest.raises(RuntimeError):
        add(alice_access, conversation, files=[png_upload()])

    assert not Message.objects.exists()
    assert stored_files(private_root) == []


def test_files_left_by_an_outer_rollback_are_swept_later(alice_access, conversation, private_root):
    kept = add(alice_access, conversation, files=[png_upload()]).attachments.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        add(alice_access, conversation, files=[png_upload("lost.png")])
        raise RuntimeError("the caller's transaction fails after the message was added")
    assert len(stored_files(private_root)) == 2

    assert services.attachment_orphans_remove(older_than=dt.timedelta(hours=1)) == 0
    assert services.attachment_orphans_remove(older_than=dt.timedelta(seconds=-1)) == 1

    assert [path.name for path in stored_files(private_root)] == [kept.storage_name]


def test_a_repeated_submission_with_files_stores_them_once(
    alice_access, conversation, private_root
):
    submission_id = uuid.uuid4()

    add(alice_access, conversation, files=[png_upload()], submission_id=submission_id)
    add(alice_access, conversation, files=[png_upload()], submission_id=submission_id)

    assert Attachment.objects.count() == 1
    assert len(stored_files(private_root)) == 1


# conversation_start.


def start(access, recipient, **kwargs):
    kwargs.setdefault("submission_id", uuid.uuid4())
    kwargs.setdefault("subject", "Dizzy after new medicine")
    kwargs.setdefault("body", "Is it normal?")
    return services.conversation_start(access=access, recipient=recipient, **kwargs)


def test_starting_a_conversation_to_a_pool_writes_it_and_its_first_message(alice_access, nursing):
    conversation = start(alice_access, f"pool:{nursing.pk}")

    assert conversation.pool == nursing
    assert conversation.clinician is None
    assert conversation.organization == alice_access.patient.managing_organization
    assert conversation.status == ConversationStatus.OPEN
    assert conversation.waiting_since is not None
    [message] = conversation.messages.all()
    assert message.body == "Is it normal?"
    assert message.author_role == AuthorRole.PATIENT
    # Starting a conversation is sending its first message: one event, the message.
    [event] = AuditEvent.objects.filter(action=AuditAction.CREATE)
    assert (event.object_type, event.object_id) == ("Message", str(message.pk))


def test_starting_a_conversation_to_a_clinician(alice_access, dr_diaz):
    conversation = start(alice_access, f"clinician:{dr_diaz.pk}")

    assert conversation.clinician == dr_diaz
    assert conversation.pool is None


def test_a_recipient_from_another_clinic_is_refused(alice_access, olga, other_clinic):
    from lantern.testing.factories_messaging import MessagePoolFactory

    elsewhere = MessagePoolFactory(organization=other_clinic, name="Nursing")

    for recipient in (f"pool:{elsewhere.pk}", f"clinician:{olga.pk}", "pool:nonsense", ""):
        with pytest.raises(ValidationError):
            start(alice_access, recipient)

    assert not Conversation.objects.exists()


def test_a_nurse_is_not_offered_as_a_clinician(alice_access, nora):
    with pytest.raises(ValidationError):
        start(alice_access, f"clinician:{nora.pk}")


def test_an_inactive_pool_is_refused(alice_access, nursing):
    nursing.is_active = False
    nursing.save()

    with pytest.raises(ValidationError):
        start(alice_access, f"pool:{nursing.pk}")


def test_starting_twice_with_one_submission_makes_one_conversation(alice_access, nursing):
    submission_id = uuid.uuid4()

    first = start(alice_access, f"pool:{nursing.pk}", submission_id=submission_id)
    second = start(alice_access, f"pool:{nursing.pk}", submission_id=submission_id)

    assert first.pk == second.pk
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1


def test_a_bad_file_when_starting_writes_no_conversation(alice_access, nursing, private_root):
    with pytest.raises(ValidationError):
        start(alice_access, f"pool:{nursing.pk}", files=[upload("x.pdf", b"")])

    assert not Conversation.objects.exists()
    assert stored_files(private_root) == []


# Closing and reading.


def test_closing_a_conversation(alice_access, conversation):
    services.conversation_close(access=alice_access, conversation=conversation)

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.CLOSED
    assert conversation.closed_at is not None
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(conversation.pk)
    ).exists()


def test_staff_cannot_close_the_patients_conversation(nora_access, conversation):
    with pytest.raises(PermissionError):
        services.conversation_close(access=nora_access, conversation=conversation)


def test_marking_read_sets_the_side_of_the_reader(alice_access, nora_access, conversation):
    services.conversation_mark_read(access=alice_access, conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.patient_read_at is not None
    assert conversation.clinic_read_at is None

    services.conversation_mark_read(access=nora_access, conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.clinic_read_at is not None
