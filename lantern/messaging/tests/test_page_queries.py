"""The message pages make the same number of SQL queries for a few and for many messages."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.messaging.models import Attachment, AuthorRole, Conversation, Message
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, UserFactory
from lantern.testing.factories_messaging import ConversationFactory

pytestmark = pytest.mark.django_db


def queries_for(client: Client, url: str) -> int:
    client.get(url)  # The first request may refresh the session.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def patient_with_conversations(clinic, pool, count: int):
    user = UserFactory(patient=PatientFactory(managing_organization=clinic))
    now = timezone.now()
    conversations = ConversationFactory.build_batch(
        count, patient=user.patient, organization=clinic, pool=pool, created_by=user
    )
    for index, conversation in enumerate(conversations):
        conversation.last_message_at = now - dt.timedelta(hours=index)
        if index % 2:
            conversation.last_message_role = AuthorRole.STAFF
    Conversation.objects.bulk_create(conversations)
    return user


def add_messages(conversation, patient_user, staff_user, count: int) -> None:
    """`count` messages, alternating sides, each patient message with one file."""
    start = timezone.now() - dt.timedelta(days=1)
    messages = [
        Message(
            conversation=conversation,
            author=patient_user if index % 2 == 0 else staff_user,
            author_role=AuthorRole.PATIENT if index % 2 == 0 else AuthorRole.STAFF,
            body=f"Message {index}",
            created_at=start + dt.timedelta(minutes=index),
            submission_id=uuid.uuid4(),
        )
        for index in range(count)
    ]
    Message.objects.bulk_create(messages)
    Attachment.objects.bulk_create(
        [
            Attachment(
                message=message,
                filename=f"photo{index}.png",
                content_type="image/png",
                size=100,
                sha256="0" * 64,
                storage_name=f"{uuid.uuid4().hex}{index:08x}.png",
            )
            for index, message in enumerate(messages)
            if message.author_role == AuthorRole.PATIENT
        ]
    )


def test_the_list_costs_the_same_for_2_and_60_conversations(clinic, nursing):
    small = patient_with_conversations(clinic, nursing, 2)
    large = patient_with_conversations(clinic, nursing, 60)

    def costs(user) -> list[int]:
        client = sign_in(Client(), user)
        url = reverse("messaging:list", kwargs={"patient_id": user.patient_id})
        return [queries_for(client, url), queries_for(client, url + "?show=open")]

    assert costs(small) == costs(large)


def test_the_thread_costs_the_same_for_2_and_120_messages(clinic, nursing, nora):
    def costs(count: int) -> list[int]:
        user = UserFactory(patient=PatientFactory(managing_organization=clinic))
        conversation = ConversationFactory(patient=user.patient, pool=nursing, created_by=user)
        add_messages(conversation, user, nora, count)
        client = sign_in(Client(), user)
        url = reverse(
            "messaging:detail",
            kwargs={"patient_id": user.patient_id, "conversation_id": conversation.pk},
        )
        return [queries_for(client, url), queries_for(client, url + "?page=2")]

    assert costs(2) == costs(120)


def test_the_compose_page_costs_the_same_for_few_and_many_recipients(clinic, alice):
    from lantern.access.models import StaffRole
    from lantern.testing.factories import StaffMembershipFactory
    from lantern.testing.factories_messaging import MessagePoolFactory

    client = sign_in(Client(), alice)
    url = reverse("messaging:new", kwargs={"patient_id": alice.patient_id})
    MessagePoolFactory(organization=clinic)
    StaffMembershipFactory(organization=clinic, role=StaffRole.CLINICIAN)
    few = queries_for(client, url)
    MessagePoolFactory.create_batch(10, organization=clinic)
    StaffMembershipFactory.create_batch(10, organization=clinic, role=StaffRole.CLINICIAN)

    assert queries_for(client, url) == few
