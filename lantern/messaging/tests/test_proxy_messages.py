"""A proxy with the messages permission writes for the patient: each message says who wrote it
and for whom, to the patient and to the care team (issue 12, point 4)."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from lantern.access.models import ProxyPermission
from lantern.access.policy import PatientNotFound, patient_access
from lantern.messaging.models import AuthorRole, Message
from lantern.messaging.services import conversation_start
from lantern.testing.auth import sign_in
from lantern.testing.factories import ProxyRelationshipFactory, UserFactory

from .test_pages import compose_data, detail_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat(alice):
    """Alice's daughter Pat, who may read and write alice's messages."""
    relationship = ProxyRelationshipFactory(
        proxy=UserFactory(username="pat", first_name="Pat", last_name="Adams"),
        patient=alice.patient,
        permissions=int(ProxyPermission.MESSAGES | ProxyPermission.RECORD),
    )
    return relationship.proxy


def test_a_proxys_message_says_who_wrote_it_and_for_whom(alice, pat, nora, nursing):
    new = reverse("messaging:new", kwargs={"patient_id": alice.patient_id})

    response = sign_in(Client(), pat).post(new, compose_data(f"pool:{nursing.pk}"))

    message = Message.objects.get()
    assert response.status_code == 302
    assert (message.author, message.author_role) == (pat, AuthorRole.PROXY)
    patient_page = sign_in(Client(), alice).get(detail_url(message.conversation))
    assert "Pat Adams, for Alice Adams" in patient_page.content.decode()
    staff_url = reverse("staff:conversation", kwargs={"conversation_id": message.conversation_id})
    staff_page = sign_in(Client(), nora).get(staff_url).content.decode()
    assert "Pat Adams, for Alice Adams (proxy)" in staff_page


def test_a_proxy_without_the_messages_permission_cannot_write(alice, bob, nursing):
    new = reverse("messaging:new", kwargs={"patient_id": alice.patient_id})

    response = sign_in(Client(), bob).post(new, compose_data(f"pool:{nursing.pk}"))

    assert response.status_code == 404
    assert not Message.objects.exists()


def test_the_service_refuses_a_write_the_access_does_not_open_as_not_found(alice, bob, nursing):
    access = patient_access(bob, alice.patient_id)  # bob's access opens the record only

    with pytest.raises(PatientNotFound):
        conversation_start(
            access=access,
            recipient=f"pool:{nursing.pk}",
            subject="Hello",
            body="Written through a service, not the page.",
            submission_id=uuid.uuid4(),
        )
    assert not Message.objects.exists()
