"""The patient's "Family and caregivers" page: who helps, invitations, inviting, ending."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lantern.access.models import ProxyKind, ProxyPermission, ProxyRelationship, ProxyStatus
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.testing.auth import sign_in
from lantern.testing.factories import ProxyRelationshipFactory, UserFactory

from .conftest import invite_form, send_invitation

pytestmark = pytest.mark.django_db


def test_the_page_lists_active_proxies_pending_invitations_and_ended_ones(
    alice, bob, alice_client, invitation
):
    ProxyRelationshipFactory(
        patient=alice.patient,
        proxy=UserFactory(first_name="Dan", last_name="Dole"),
        status=ProxyStatus.REVOKED,
        ended_at=timezone.now(),
        end_reason="Moved away",
    )

    page = alice_client.get("/account/family/").content.decode()

    assert "Bob Baker" in page
    assert "Health record and test results" in page
    assert "carol@example.org" in page
    assert "Invitation sent" in page
    assert "Dan Dole" in page and "Moved away" in page
    assert "Invite someone to help with your care" in page


@pytest.mark.parametrize("who", ["bob", "nora"])
def test_an_account_without_its_own_patient_record_has_no_family_page(who, request):
    client = sign_in(Client(), request.getfixturevalue(who))

    assert client.get("/account/family/").status_code == 404


def test_the_page_asks_to_sign_in_first(alice):
    response = Client().get("/account/family/")

    assert response.status_code == 302
    assert "/signin/" in response["Location"]


def test_an_invitation_is_a_pending_caregiver_relationship_with_a_hashed_expiring_token(
    alice, alice_client, invitation, settings
):
    relationship = invitation.relationship
    stored = relationship.invitation

    assert (relationship.status, relationship.kind, relationship.proxy) == (
        ProxyStatus.PENDING,
        ProxyKind.CAREGIVER,
        None,
    )
    assert relationship.permissions == int(ProxyPermission.RECORD)
    assert relationship.granted_by == alice
    assert stored.email == "carol@example.org"
    assert stored.token_hash != invitation.token and invitation.token not in stored.token_hash
    assert stored.token_hash == hashlib.sha256(invitation.token.encode()).hexdigest()
    days = (stored.expires_at - timezone.now()).total_seconds() / 86400
    assert settings.PROXY_INVITATION_DAYS - 1 < days <= settings.PROXY_INVITATION_DAYS
    [event] = AuditEvent.objects.filter(object_type="ProxyRelationship")
    assert (event.actor, event.patient, event.actor_role, event.action, event.object_id) == (
        alice,
        alice.patient,
        ActorRole.SELF,
        AuditAction.CREATE,
        str(relationship.pk),
    )


def test_full_access_is_every_permission(alice_client, django_capture_on_commit_callbacks):
    sent = send_invitation(
        alice_client, django_capture_on_commit_callbacks, permissions=["full", "2"]
    )

    assert sent.relationship.permissions == int(ProxyPermission.FULL)


def test_a_double_submitted_invitation_makes_one_invitation_and_sends_one_email(
    alice_client, django_capture_on_commit_callbacks
):
    form = invite_form()
    with django_capture_on_commit_callbacks(execute=True):
        first = alice_client.post("/account/family/", form)
        second = alice_client.post("/account/family/", form)

    assert first.status_code == second.status_code == 302
    assert ProxyRelationship.objects.count() == 1
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE).count() == 1


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"permissions": []}, "Choose at least one thing they may help with."),
        ({"email": "not-an-address"}, "Enter an email address like name@example.com."),
        ({"ends_on": "today"}, "Choose an end date after today"),
    ],
)
def test_an_invitation_needs_an_address_a_permission_and_a_future_end_date(
    alice_client, overrides, problem
):
    if overrides.get("ends_on") == "today":
        overrides = {"ends_on": timezone.localdate().isoformat()}
    response = alice_client.post("/account/family/", invite_form(**overrides))

    assert response.status_code == 200
    assert problem in response.content.decode()
    assert not ProxyRelationship.objects.exists()
    assert not mail.outbox


def test_an_end_date_in_the_future_is_kept(alice_client, django_capture_on_commit_callbacks):
    ends_on = timezone.localdate() + dt.timedelta(days=30)

    sent = send_invitation(
        alice_client, django_capture_on_commit_callbacks, ends_on=ends_on.isoformat()
    )

    assert sent.relationship.ends_on == ends_on


def test_a_patient_under_the_adult_age_cannot_invite(alice, alice_client, settings):
    alice.patient.birth_date = timezone.localdate().replace(year=timezone.localdate().year - 15)
    alice.patient.save()

    page = alice_client.get("/account/family/").content.decode()
    response = alice_client.post("/account/family/", invite_form())

    assert "Invite someone to help with your care" in page
    assert 'data-testid="not-adult"' in page and 'name="email"' not in page
    assert "Only patients who are 18 or older can invite" in response.content.decode()
    assert not ProxyRelationship.objects.exists()
    assert not mail.outbox


def test_a_patient_whose_birth_date_is_unknown_may_invite(
    alice, alice_client, django_capture_on_commit_callbacks
):
    alice.patient.birth_date = None
    alice.patient.save()

    sent = send_invitation(alice_client, django_capture_on_commit_callbacks)

    assert sent.relationship.status == ProxyStatus.PENDING


def test_cancelling_an_invitation_stops_its_link_and_is_audited(
    alice, alice_client, invitation, carol
):
    response = alice_client.post(
        "/account/family/cancel/", {"relationship": invitation.relationship.pk}
    )
    again = alice_client.post(
        "/account/family/cancel/", {"relationship": invitation.relationship.pk}
    )

    invitation.relationship.refresh_from_db()
    assert response.status_code == again.status_code == 302
    assert invitation.relationship.status == ProxyStatus.REVOKED
    assert invitation.relationship.ended_by == alice
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE).count() == 1
    carols = sign_in(Client(), carol)
    carols.get(invitation.path)
    assert "can no longer be used" in carols.get("/family/invitation/").content.decode()


def test_a_patient_cannot_cancel_another_patients_invitation(
    charlie, invitation, django_capture_on_commit_callbacks
):
    charlies = sign_in(Client(), charlie)

    charlies.post("/account/family/cancel/", {"relationship": invitation.relationship.pk})

    invitation.relationship.refresh_from_db()
    assert invitation.relationship.status == ProxyStatus.PENDING


def test_ending_access_asks_to_confirm_first(alice, bob, alice_client):
    relationship = ProxyRelationship.objects.get(proxy=bob)

    response = alice_client.post("/account/family/end/", {"relationship": relationship.pk})

    relationship.refresh_from_db()
    assert response.status_code == 200
    assert "End Bob Baker" in response.content.decode()
    assert relationship.status == ProxyStatus.ACTIVE


def test_ending_access_records_who_when_and_why_and_acts_once(alice, bob, alice_client):
    relationship = ProxyRelationship.objects.get(proxy=bob)
    form = {"relationship": relationship.pk, "confirmed": "on", "reason": "No longer needed"}

    first = alice_client.post("/account/family/end/", form)
    second = alice_client.post("/account/family/end/", form)

    relationship.refresh_from_db()
    assert first.status_code == second.status_code == 302
    assert relationship.status == ProxyStatus.REVOKED
    assert relationship.ended_by == alice and relationship.ended_at is not None
    assert relationship.end_reason == "No longer needed"
    [event] = AuditEvent.objects.filter(action=AuditAction.UPDATE)
    assert (event.actor_role, event.object_type, event.object_id) == (
        ActorRole.SELF,
        "ProxyRelationship",
        str(relationship.pk),
    )


def _queries(client: Client, path: str) -> int:
    client.get(path)  # A session's first page also notes that the terms of use are settled.
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_page_costs_the_same_queries_with_one_or_twenty_relationships(
    alice, alice_client, nora
):
    ProxyRelationshipFactory(patient=alice.patient)
    few = _queries(alice_client, "/account/family/")
    staff_few = _queries(sign_in(Client(), nora), f"/staff/patients/{alice.patient.pk}/family/")
    for _ in range(6):
        ProxyRelationshipFactory(patient=alice.patient)
        ProxyRelationshipFactory(patient=alice.patient, status=ProxyStatus.PENDING, proxy=None)
        ProxyRelationshipFactory(
            patient=alice.patient,
            status=ProxyStatus.REVOKED,
            ended_at=timezone.now(),
            ended_by=nora,
        )

    assert _queries(alice_client, "/account/family/") == few
    assert (
        _queries(sign_in(Client(), nora), f"/staff/patients/{alice.patient.pk}/family/")
        == staff_few
    )
