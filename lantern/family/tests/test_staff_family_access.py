"""The console's family access: proxies and their history, recording a parent, guardian or power
of attorney after checking documents, and ending anyone's access."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from lantern.access.models import ProxyKind, ProxyPermission, ProxyRelationship, ProxyStatus
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.testing.auth import sign_in
from lantern.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def family_url(patient) -> str:
    return f"/staff/patients/{patient.pk}/family/"


def end_url(patient) -> str:
    return f"/staff/patients/{patient.pk}/family/end/"


def years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years)


def grant_form(**overrides) -> dict:
    form = {
        "account": "pat@example.org",
        "kind": ProxyKind.PARENT,
        "permissions": ["full"],
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
        "reason": "Father of the patient",
        "identity_checked": "Driving licence and birth certificate",
        "submission_id": str(uuid.uuid4()),
    }
    form.update(overrides)
    return form


@pytest.fixture
def nora_client(nora) -> Client:
    return sign_in(Client(), nora)


@pytest.fixture
def pat(db):
    """A father with an account of his own, not a patient of the clinic."""
    return UserFactory(username="pat", email="pat@example.org", first_name="Pat", last_name="Adams")


@pytest.fixture
def young_alice(alice):
    alice.patient.birth_date = years_ago(9)
    alice.patient.save()
    return alice


def test_the_patient_page_links_to_family_access(alice, nora_client):
    page = nora_client.get(f"/staff/patients/{alice.patient.pk}/").content.decode()

    assert f'href="{family_url(alice.patient)}"' in page


def test_staff_see_the_patients_proxies_and_their_history(alice, bob, nora_client, pat):
    ended = ProxyRelationship.objects.create(
        proxy=pat,
        patient=alice.patient,
        kind=ProxyKind.LEGAL_GUARDIAN,
        permissions=int(ProxyPermission.FULL),
        starts_on=years_ago(2),
        status=ProxyStatus.REVOKED,
        granted_at=timezone.now(),
        reason="Guardian during a hospital stay",
        ended_at=timezone.now(),
        end_reason="Court order ended",
    )

    response = nora_client.get(family_url(alice.patient))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Bob Baker" in page and "Health record and test results" in page
    assert "Pat Adams" in page and ended.end_reason in page
    event = AuditEvent.objects.filter(actor=response.wsgi_request.user).latest("pk")
    assert (event.action, event.object_type, event.actor_role) == (
        AuditAction.VIEW,
        "ProxyRelationship",
        ActorRole.STAFF,
    )


def test_staff_record_a_parent_for_an_existing_account_and_it_opens_the_childs_results(
    young_alice, nora, nora_client, pat
):
    response = nora_client.post(family_url(young_alice.patient), grant_form())

    relationship = ProxyRelationship.objects.get(proxy=pat)
    assert response.status_code == 302
    assert (relationship.status, relationship.kind, relationship.permissions) == (
        ProxyStatus.ACTIVE,
        ProxyKind.PARENT,
        int(ProxyPermission.FULL),
    )
    assert relationship.granted_by == nora and relationship.granted_at is not None
    assert relationship.identity_checked == "Driving licence and birth certificate"
    assert relationship.reason == "Father of the patient"
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="ProxyRelationship")
    assert (event.actor, event.actor_role, event.patient, event.object_id) == (
        nora,
        ActorRole.STAFF,
        young_alice.patient,
        str(relationship.pk),
    )
    pats = sign_in(Client(), pat)
    assert pats.get(f"/patients/{young_alice.patient.pk}/results/").status_code == 200
    page = nora_client.get(family_url(young_alice.patient)).content.decode()
    assert "Checked: Driving licence and birth certificate" in page


def test_an_account_can_be_named_by_its_username(young_alice, nora_client, pat):
    nora_client.post(family_url(young_alice.patient), grant_form(account="PAT"))

    assert ProxyRelationship.objects.filter(proxy=pat, status=ProxyStatus.ACTIVE).exists()


def test_a_resent_grant_records_it_once(young_alice, nora_client, pat):
    form = grant_form()

    first = nora_client.post(family_url(young_alice.patient), form)
    second = nora_client.post(family_url(young_alice.patient), form)

    assert first.status_code == second.status_code == 302
    assert ProxyRelationship.objects.filter(proxy=pat).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE).count() == 1


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"identity_checked": ""}, "Say what you checked."),
        ({"account": "nobody"}, "No account has that username or email address."),
        ({"account": "alice"}, "That is the patient&#x27;s own account."),
        ({"kind": ProxyKind.CAREGIVER}, "Select a valid choice."),
        ({"permissions": []}, "Choose at least one thing they may help with."),
        ({"ends_on": "2001-01-01"}, "Choose an end date on or after the start date."),
    ],
)
def test_a_grant_needs_what_was_checked_an_account_and_sound_dates(
    young_alice, nora_client, pat, overrides, problem
):
    response = nora_client.post(family_url(young_alice.patient), grant_form(**overrides))

    assert response.status_code == 200
    assert problem in response.content.decode()
    assert not ProxyRelationship.objects.filter(patient=young_alice.patient).exists()


def test_a_parent_cannot_be_recorded_for_an_adult(alice, nora_client, pat):
    alice.patient.birth_date = years_ago(30)
    alice.patient.save()

    response = nora_client.post(family_url(alice.patient), grant_form())
    guardian = nora_client.post(
        family_url(alice.patient), grant_form(kind=ProxyKind.LEGAL_GUARDIAN)
    )

    assert "Record a legal guardian or a power of attorney instead" in response.content.decode()
    assert guardian.status_code == 302
    assert ProxyRelationship.objects.get(proxy=pat).kind == ProxyKind.LEGAL_GUARDIAN


def test_someone_who_already_has_access_is_not_recorded_twice(alice, bob, nora_client):
    response = nora_client.post(
        family_url(alice.patient), grant_form(account="bob", kind=ProxyKind.POWER_OF_ATTORNEY)
    )

    assert "already has access" in response.content.decode()
    assert ProxyRelationship.objects.filter(proxy=bob).count() == 1


def test_staff_end_a_proxys_access_and_the_next_request_is_refused(alice, bob, nora, nora_client):
    bobs = sign_in(Client(), bob)
    results = f"/patients/{alice.patient.pk}/results/"
    assert bobs.get(results).status_code == 200
    relationship = ProxyRelationship.objects.get(proxy=bob)

    listing = nora_client.get(end_url(alice.patient)).content.decode()
    missing_reason = nora_client.post(end_url(alice.patient), {"relationship": relationship.pk})
    response = nora_client.post(
        end_url(alice.patient), {"relationship": relationship.pk, "reason": "Patient asked"}
    )

    relationship.refresh_from_db()
    assert "Bob Baker" in listing
    assert "Say why their access ends." in missing_reason.content.decode()
    assert response.status_code == 302
    assert (relationship.status, relationship.ended_by, relationship.end_reason) == (
        ProxyStatus.REVOKED,
        nora,
        "Patient asked",
    )
    assert bobs.get(results).status_code == 404
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="ProxyRelationship")
    assert (event.actor, event.actor_role) == (nora, ActorRole.STAFF)


def test_staff_can_end_a_pending_invitation(alice, alice_client, nora_client, invitation, carol):
    nora_client.post(
        end_url(alice.patient),
        {"relationship": invitation.relationship.pk, "reason": "Sent to a wrong address"},
    )

    invitation.relationship.refresh_from_db()
    assert invitation.relationship.status == ProxyStatus.REVOKED


def test_staff_cannot_end_another_patients_relationship(alice, bob, charlie, nora_client):
    relationship = ProxyRelationship.objects.get(proxy=bob)

    nora_client.post(end_url(charlie.patient), {"relationship": relationship.pk, "reason": "x"})

    relationship.refresh_from_db()
    assert relationship.status == ProxyStatus.ACTIVE


@pytest.mark.parametrize("who", ["olga", "bob", "alice", "charlie"])
def test_anyone_but_the_patients_clinic_staff_gets_404(alice, bob, who, request):
    client = sign_in(Client(), request.getfixturevalue(who))

    assert client.get(family_url(alice.patient)).status_code == 404
    assert client.get(end_url(alice.patient)).status_code == 404
    assert client.post(family_url(alice.patient), grant_form(account="bob")).status_code == 404
    assert ProxyRelationship.objects.filter(patient=alice.patient).count() == 1


def test_front_desk_staff_may_manage_family_access(alice, fiona):
    client = sign_in(Client(), fiona)

    assert client.get(family_url(alice.patient)).status_code == 200


def test_staff_invite_a_parent_without_an_account_who_accepts_with_what_staff_recorded(
    young_alice, nora_client, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = nora_client.post(
            family_url(young_alice.patient), grant_form(account="sam@example.org")
        )

    relationship = ProxyRelationship.objects.get()
    assert response.status_code == 302
    assert (relationship.status, relationship.proxy, relationship.kind) == (
        ProxyStatus.PENDING,
        None,
        ProxyKind.PARENT,
    )
    assert relationship.identity_checked == "Driving licence and birth certificate"
    assert smtp_server.envelopes[0][1] == ["sam@example.org"]
    path = re.search(r"/family/invitations/[\w-]+/", smtp_server.messages[0].get_content())[0]

    sam = UserFactory(username="sam", email="sam@example.org")
    sams = sign_in(Client(), sam)
    sams.get(path)
    sams.post("/family/invitation/answer/", {"answer": "accept"})

    relationship.refresh_from_db()
    assert (relationship.status, relationship.proxy) == (ProxyStatus.ACTIVE, sam)
    results = f"/patients/{young_alice.patient_id}/messages/"
    assert sams.get(results).status_code == 200  # a parent of a 9 year old: full access


def test_a_username_that_does_not_exist_is_not_invited(young_alice, nora_client, smtp_server):
    response = nora_client.post(family_url(young_alice.patient), grant_form(account="sam"))

    assert response.status_code == 200
    assert not ProxyRelationship.objects.exists()
    assert smtp_server.messages == []
