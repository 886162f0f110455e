"""The invitation: the email over real SMTP, the single-use link, accepting and declining."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from lantern.access.models import ProxyRelationship, ProxyStatus
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.enrollment.models import TermsVersion
from lantern.family.views import INVITATION_SESSION_KEY
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory

from .conftest import LINK, invite_form, send_invitation

pytestmark = pytest.mark.django_db

UNUSABLE = "This invitation can no longer be used"


def results_of(patient) -> str:
    return f"/patients/{patient.pk}/results/"


def follow(client: Client, invitation) -> str:
    """Open the emailed link, as the invitee's browser does, and return the page it leads to."""
    response = client.get(invitation.path)
    assert response.status_code == 302
    assert response["Location"] == "/family/invitation/"
    return client.get("/family/invitation/").content.decode()


def accept(client: Client):
    return client.post("/family/invitation/answer/", {"answer": "accept"})


def test_the_email_arrives_over_smtp_with_the_link_the_clinic_and_the_first_name_only(
    alice, alice_client, smtp_server, django_capture_on_commit_callbacks, settings
):
    ObservationFactory(patient=alice.patient, display="Hemoglobin A1c")
    settings.CLINIC_NAME = "Riverside Family Clinic"

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/account/family/", invite_form())

    assert response.status_code == 302
    [message] = smtp_server.messages
    [(_, recipients)] = smtp_server.envelopes
    body = message.get_content()
    assert recipients == ["carol@example.org"]
    assert (
        message["Subject"] == "Alice invited you to help with their care at Riverside Family Clinic"
    )
    assert "Riverside Family Clinic" in body and "Alice" in body
    assert LINK.search(body) is not None
    for private in ("Adams", "Hemoglobin", "results", "sister", str(alice.patient.birth_date)):
        assert private not in body and private not in message["Subject"]


def test_the_link_moves_into_the_session_and_the_page_offers_sign_in_or_a_new_account(invitation):
    client = Client()

    page = follow(client, invitation)

    assert client.session[INVITATION_SESSION_KEY] == invitation.relationship.invitation.pk
    assert invitation.token not in str(dict(client.session))
    assert "Sign in" in page and "Create an account" in page
    assert "/signin/?next=%2Ffamily%2Finvitation%2F" in page
    # Who invited is shown only once signed in.
    assert "Alice" not in page


def test_an_unknown_link_says_it_can_no_longer_be_used_without_a_404(db):
    client = Client()
    response = client.get("/family/invitations/not-a-real-token/")

    assert response.status_code == 302
    assert UNUSABLE in client.get("/family/invitation/").content.decode()


def test_signed_in_the_invitee_sees_who_invited_them_and_what_they_will_see(carol, invitation):
    page = follow(sign_in(Client(), carol), invitation)

    assert "Alice Adams" in page
    assert "Health record and test results" in page
    assert "Accept" in page and "Decline" in page


def test_accepting_gives_access_to_the_results_and_ending_it_closes_them_on_the_next_request(
    alice, alice_client, carol, invitation
):
    carols = sign_in(Client(), carol)
    follow(carols, invitation)
    assert carols.get(results_of(alice.patient)).status_code == 404

    response = accept(carols)

    relationship = ProxyRelationship.objects.get(pk=invitation.relationship.pk)
    assert response.status_code == 200
    assert "You can now help Alice Adams" in response.content.decode()
    assert (relationship.status, relationship.proxy, relationship.starts_on) == (
        ProxyStatus.ACTIVE,
        carol,
        timezone.localdate(),
    )
    assert relationship.invitation.used_at is not None
    assert carols.get(results_of(alice.patient)).status_code == 200
    event = AuditEvent.objects.get(actor=carol, action=AuditAction.UPDATE)
    assert (event.patient, event.actor_role, event.object_id) == (
        alice.patient,
        ActorRole.PROXY,
        str(relationship.pk),
    )

    alice_client.post("/account/family/end/", {"relationship": relationship.pk, "confirmed": "on"})

    assert carols.get(results_of(alice.patient)).status_code == 404


def test_an_invitation_works_once(alice, carol, charlie, invitation):
    carols = sign_in(Client(), carol)
    follow(carols, invitation)
    accept(carols)
    events = AuditEvent.objects.count()

    # The same link again, by the same person or by anyone it was forwarded to.
    again = accept(carols)
    other = sign_in(Client(), get_user_model().objects.create_user("dave"))
    page = follow(other, invitation)
    accept(other)

    assert UNUSABLE in again.content.decode() and UNUSABLE in page
    relationship = ProxyRelationship.objects.get(pk=invitation.relationship.pk)
    assert relationship.proxy == carol
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE).count() == 1
    assert AuditEvent.objects.count() >= events
    assert other.get(results_of(alice.patient)).status_code == 404


def test_an_expired_invitation_changes_nothing(alice, carol, invitation, settings):
    later = timezone.now() + dt.timedelta(days=settings.PROXY_INVITATION_DAYS, minutes=1)

    with time_machine.travel(later, tick=False):
        carols = sign_in(Client(), carol)
        page = follow(carols, invitation)
        # The link keeps the invitation in the session even so; answering is refused again.
        carols.get(invitation.path)
        response = accept(carols)

    relationship = ProxyRelationship.objects.get(pk=invitation.relationship.pk)
    assert UNUSABLE in page
    assert response.status_code == 200 and UNUSABLE in response.content.decode()
    assert (relationship.status, relationship.proxy) == (ProxyStatus.PENDING, None)
    assert relationship.invitation.used_at is None


def test_a_cancelled_invitation_changes_nothing(alice_client, carol, invitation):
    carols = sign_in(Client(), carol)
    follow(carols, invitation)
    alice_client.post("/account/family/cancel/", {"relationship": invitation.relationship.pk})

    response = accept(carols)

    relationship = ProxyRelationship.objects.get(pk=invitation.relationship.pk)
    assert UNUSABLE in response.content.decode()
    assert (relationship.status, relationship.proxy) == (ProxyStatus.REVOKED, None)


def test_the_patient_cannot_accept_their_own_invitation(alice, alice_client, invitation):
    page = follow(alice_client, invitation)
    response = accept(alice_client)

    relationship = ProxyRelationship.objects.get(pk=invitation.relationship.pk)
    assert "This is an invitation you sent" in page
    assert "This is an invitation you sent" in response.content.decode()
    assert (relationship.status, relationship.proxy) == (ProxyStatus.PENDING, None)


def test_someone_who_already_has_access_cannot_accept_a_second_time(
    alice_client, bob, django_capture_on_commit_callbacks
):
    sent = send_invitation(alice_client, django_capture_on_commit_callbacks)
    bobs = sign_in(Client(), bob)
    follow(bobs, sent)

    response = accept(bobs)

    assert "You already have access" in response.content.decode()
    sent.relationship.refresh_from_db()
    assert sent.relationship.status == ProxyStatus.PENDING
    assert sent.relationship.invitation.used_at is None


def test_declining_ends_the_invitation(alice, carol, invitation):
    carols = sign_in(Client(), carol)
    follow(carols, invitation)

    response = carols.post("/family/invitation/answer/", {"answer": "decline"})

    relationship = ProxyRelationship.objects.get(pk=invitation.relationship.pk)
    assert "You declined the invitation" in response.content.decode()
    assert relationship.status == ProxyStatus.DECLINED
    assert relationship.ended_at is not None and relationship.ended_by == carol
    assert relationship.invitation.used_at is not None
    assert carols.get(results_of(alice.patient)).status_code == 404
    assert AuditEvent.objects.filter(actor=carol, action=AuditAction.UPDATE).count() == 1


def test_answering_needs_both_sign_in_steps(carol, invitation):
    client = Client()
    follow(client, invitation)

    response = accept(client)

    assert response.status_code == 302 and "/signin/" in response["Location"]
    assert ProxyRelationship.objects.get(pk=invitation.relationship.pk).proxy is None


def test_an_invitee_without_an_account_creates_one_sets_up_a_second_step_and_accepts(
    alice, invitation
):
    client = Client()
    follow(client, invitation)
    form = {
        "username": "carol.cole",
        "email": "carol@example.org",
        "password": "violet kettle harbour lantern",
        "password_confirmation": "violet kettle harbour lantern",
        "accept_terms": "on",
    }

    weak = client.post(
        "/family/invitation/account/",
        {**form, "password": "short", "password_confirmation": "short"},
    )
    assert (
        weak.status_code == 200
        and not get_user_model().objects.filter(username="carol.cole").exists()
    )
    created = client.post("/family/invitation/account/", form)

    carol = get_user_model().objects.get(username="carol.cole")
    assert created.status_code == 302
    assert created["Location"] == "/two-factor/setup/?next=%2Ffamily%2Finvitation%2F"
    assert carol.patient_id is None and carol.check_password(form["password"])
    # Until the second step is set up, nothing can be answered.
    assert accept(client).status_code == 302
    assert ProxyRelationship.objects.get(pk=invitation.relationship.pk).proxy is None

    # The second step done (as the set-up pages end), the invitation is still in the session.
    sign_in(client, carol)
    assert "Alice Adams" in client.get("/family/invitation/").content.decode()
    accept(client)
    assert client.get(results_of(alice.patient)).status_code == 200


def test_the_token_is_never_logged(
    alice, alice_client, carol, caplog, smtp_server, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post("/account/family/", invite_form())
    token = LINK.search(smtp_server.messages[0].get_content())["token"]
    carols = sign_in(Client(), carol)
    carols.get(f"/family/invitations/{token}/")
    carols.get("/family/invitation/")
    accept(carols)
    # A second use and a made-up token.
    carols.get(f"/family/invitations/{token}/")
    Client().get(f"/family/invitations/{token}x/")
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post("/account/family/", invite_form(email="erin@example.org"))

    assert "An invitation email could not be sent (ConnectionRefusedError)." in caplog.text
    assert token not in caplog.text
    assert all(token not in str(record.args) for record in caplog.records)


def test_an_invitee_with_an_account_signs_in_from_the_page_and_the_invitation_waits(
    alice, carol, invitation
):
    client = Client()
    follow(client, invitation)

    response = client.post(
        "/signin/?next=/family/invitation/",
        {"username": "carol", "password": "correct horse battery staple"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/two-factor/verify/?next=%2Ffamily%2Finvitation%2F"
    assert client.session[INVITATION_SESSION_KEY] == invitation.relationship.invitation.pk
    # Before the second step the page still asks to sign in, and answering is refused.
    assert "Alice" not in client.get("/family/invitation/").content.decode()
    sign_in(client, carol)
    assert "Alice Adams" in client.get("/family/invitation/").content.decode()
    assert accept(client).status_code == 200
    assert client.get(results_of(alice.patient)).status_code == 200


def test_the_answer_address_opened_directly_shows_the_invitation_again(carol, invitation):
    client = sign_in(Client(), carol)
    follow(client, invitation)

    response = client.get("/family/invitation/answer/")

    assert (response.status_code, response["Location"]) == (302, "/family/invitation/")


def test_without_published_terms_the_account_form_says_why_nothing_was_made(alice, invitation):
    # Not published until tomorrow: there is no current version to accept.
    TermsVersion.objects.update(published_at=timezone.now() + dt.timedelta(days=1))
    client = Client()
    follow(client, invitation)

    response = client.post(
        "/family/invitation/account/",
        {
            "username": "carol.cole",
            "email": "carol@example.org",
            "password": "violet kettle harbour lantern",
            "password_confirmation": "violet kettle harbour lantern",
            "accept_terms": "on",
        },
    )

    assert response.status_code == 200
    assert "until the clinic publishes its terms of use" in response.content.decode()
    assert not get_user_model().objects.filter(username="carol.cole").exists()
