"""Request an appointment (issue 13, point 3): a short form that starts a secure-message
conversation with the clinic's scheduling inbox (settings.APPOINTMENT_REQUEST_POOL, else its
first active pool), sent once however often the form is sent."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from lantern.messaging.models import Conversation, Message, MessagePool
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def pools(clinic):
    nursing = MessagePool.objects.create(organization=clinic, name="Nursing", position=0)
    scheduling = MessagePool.objects.create(organization=clinic, name="Scheduling", position=1)
    return nursing, scheduling


def request_url(patient, **params) -> str:
    url = reverse("appointments:request", args=[patient.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def send(client: Client, patient, submission_id=None, **fields):
    form = {"submission_id": str(submission_id or uuid.uuid4()), **fields}
    return client.post(request_url(patient), form)


def test_a_request_goes_to_the_scheduling_inbox_as_a_conversation_once(alice, pools, procedure):
    client = sign_in(Client(), alice)
    page = client.get(request_url(alice.patient, visit=procedure.pk)).content.decode()
    assert "<h1>Request an appointment</h1>" in page
    assert f'value="{procedure.pk}"' in page and "checked" in page

    submission = uuid.uuid4()
    fields = {"visit": str(procedure.pk), "preferred_times": "Mornings", "details": "Left knee"}
    first = send(client, alice.patient, submission, **fields)
    again = send(client, alice.patient, submission, **fields)

    conversation = Conversation.objects.get()
    assert conversation.pool == pools[1] and conversation.patient == alice.patient
    assert conversation.subject == "Appointment request: Minor procedure"
    body = Message.objects.get(conversation=conversation).body
    assert "Visit: Minor procedure" in body and "Mornings" in body and "Left knee" in body
    assert first.status_code == again.status_code == 302
    assert first["Location"] == reverse(
        "messaging:detail", args=[alice.patient.pk, conversation.pk]
    )
    assert "Your request was sent." in client.get(first["Location"]).content.decode()


def test_the_inbox_is_the_one_the_setting_names(alice, pools, settings):
    settings.APPOINTMENT_REQUEST_POOL = "Nursing"

    send(sign_in(Client(), alice), alice.patient, visit="other", details="A sick note")

    assert Conversation.objects.get().pool == pools[0]


def test_without_an_inbox_of_that_name_the_first_active_pool_gets_it(alice, clinic):
    MessagePool.objects.create(organization=clinic, name="Front desk", position=5)
    billing = MessagePool.objects.create(organization=clinic, name="Billing", position=1)

    send(sign_in(Client(), alice), alice.patient, visit="other", details="A sick note")

    assert Conversation.objects.get().pool == billing


def test_without_any_inbox_the_page_says_to_call(alice):
    page = sign_in(Client(), alice).get(request_url(alice.patient)).content.decode()

    assert "Please call the clinic" in page and 'name="details"' not in page


def test_something_else_needs_a_few_words_and_nothing_is_lost(alice, pools):
    response = send(
        sign_in(Client(), alice), alice.patient, visit="other", preferred_times="Fridays"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Say what the visit is for." in page and "There is a problem" in page
    assert 'value="Fridays"' in page
    assert not Conversation.objects.exists()


def test_the_booking_page_offers_requests_for_visits_patients_may_not_book(
    alice, pools, procedure, checkup
):
    page = sign_in(Client(), alice).get(reverse("appointments:book", args=[alice.patient.pk]))

    assert request_url(alice.patient, visit=procedure.pk) in page.content.decode()
