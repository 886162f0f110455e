"""Builders for the family tests: an invitation sent by alice, and the person it is for."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client

from lantern.access.models import ProxyPermission, ProxyRelationship
from lantern.testing.auth import sign_in
from lantern.testing.factories import UserFactory

LINK = re.compile(r"https?://\S+/family/invitations/(?P<token>[A-Za-z0-9_-]+)/")


@dataclass
class SentInvitation:
    relationship: ProxyRelationship
    token: str

    @property
    def path(self) -> str:
        return f"/family/invitations/{self.token}/"


def invite_form(**overrides) -> dict:
    form = {
        "email": "carol@example.org",
        "reason": "My sister, helps me with my results",
        "permissions": [str(int(ProxyPermission.RECORD))],
        "ends_on": "",
        "submission_id": str(uuid.uuid4()),
    }
    form.update(overrides)
    return form


def send_invitation(client: Client, captured, **overrides) -> SentInvitation:
    """Post the invitation form as the signed-in patient and read the token from the email."""
    with captured(execute=True):
        response = client.post("/account/family/", invite_form(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    from django.core import mail

    token = LINK.search(mail.outbox[-1].body)["token"]
    return SentInvitation(ProxyRelationship.objects.order_by("-pk").first(), token)


@pytest.fixture
def alice_client(alice) -> Client:
    return sign_in(Client(), alice)


@pytest.fixture
def carol(db):
    """Alice's sister: an account of her own, not a patient of the clinic."""
    return UserFactory(username="carol", first_name="Carol", last_name="Cole")


@pytest.fixture
def invitation(alice_client, django_capture_on_commit_callbacks) -> SentInvitation:
    return send_invitation(alice_client, django_capture_on_commit_callbacks)
