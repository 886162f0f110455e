from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from lantern.enrollment import services
from lantern.enrollment.models import EnrollmentRequest, EnrollmentRequestStatus
from lantern.notifications.models import Notification

pytestmark = pytest.mark.django_db

SIGN_UP = reverse("enrollment:sign_up")
SENT = reverse("enrollment:sign_up_sent")
THANKS = "Thank you. The clinic will check your details and email you."


@pytest.fixture(autouse=True)
def _the_clinic_takes_requests(nora):
    """Nora works at the clinic, so it is the one clinic that takes sign-up requests."""


def details(**overrides) -> dict:
    return {
        "given_names": "Dora",
        "family_name": "Díaz-Ortega",
        "birth_month": "6",
        "birth_day": "15",
        "birth_year": "1975",
        "email": "dora@example.org",
        "phone": "555-123-4567",
        "submission_key": "k" * 32,
        **overrides,
    }


def _without_tokens(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'name="submission_key" value="[^"]+"', "", html)


def test_a_request_is_recorded_and_answered_with_thanks(dora, clinic):
    client = Client()
    response = client.post(SIGN_UP, details(), follow=True)
    assert response.redirect_chain == [(SENT, 302)]
    assert THANKS in response.content.decode()
    request = EnrollmentRequest.objects.get()
    assert request.status == EnrollmentRequestStatus.PENDING
    assert request.email == "dora@example.org"
    assert request.birth_date.isoformat() == "1975-06-15"
    assert request.patient is None
    assert request.organization == clinic


def test_the_answer_is_the_same_whether_or_not_a_record_matches(dora):
    matching = Client().post(SIGN_UP, details(submission_key="a" * 32), follow=True)
    unknown = Client().post(
        SIGN_UP,
        details(given_names="Nobody", family_name="Known", submission_key="b" * 32),
        follow=True,
    )
    assert matching.redirect_chain == unknown.redirect_chain
    assert _without_tokens(matching.content.decode()) == _without_tokens(unknown.content.decode())
    # Nothing was sent to the requester either way before staff review.
    assert not Notification.objects.exists()


def test_the_same_form_sent_twice_makes_one_request():
    client = Client()
    client.post(SIGN_UP, details())
    second = client.post(SIGN_UP, details())
    assert second.status_code == 302
    assert EnrollmentRequest.objects.count() == 1


def test_requests_from_one_address_are_throttled():
    client = Client(REMOTE_ADDR="198.51.100.7")
    for number in range(services.SIGN_UP_REQUESTS_PER_HOUR):
        assert client.post(SIGN_UP, details(submission_key=f"{number:032d}")).status_code == 302
    blocked = client.post(SIGN_UP, details(submission_key="z" * 32))
    assert blocked.status_code == 200
    assert str(services.TOO_MANY_TRIES) in blocked.content.decode()
    assert EnrollmentRequest.objects.count() == services.SIGN_UP_REQUESTS_PER_HOUR


def test_missing_and_impossible_details_say_what_to_do():
    page = (
        Client()
        .post(SIGN_UP, details(email="not-an-email", birth_day="31", birth_month="2", phone=""))
        .content.decode()
    )
    assert "Enter an email address like name@example.com." in page
    assert "That date does not exist. Check the day and month." in page
    assert "Enter your phone number." in page
    assert not EnrollmentRequest.objects.exists()


def test_a_date_of_birth_in_the_future_is_refused():
    page = Client().post(SIGN_UP, details(birth_year="2999")).content.decode()
    assert "Your date of birth must be in the past." in page


def test_the_form_has_labels_and_autocomplete_for_each_field():
    page = Client().get(SIGN_UP).content.decode()
    for name, autocomplete in [
        ("given_names", "given-name"),
        ("family_name", "family-name"),
        ("email", "email"),
        ("phone", "tel"),
        ("birth_month", "bday-month"),
        ("birth_day", "bday-day"),
        ("birth_year", "bday-year"),
    ]:
        assert f'for="id_{name}"' in page
        assert re.search(rf'name="{name}"[^>]*autocomplete="{autocomplete}"', page) or re.search(
            rf'autocomplete="{autocomplete}"[^>]*name="{name}"', page
        ), name
    assert page.count("<h1") == 1


def test_sign_up_refuses_a_post_without_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post(SIGN_UP, details()).status_code == 403
    assert not EnrollmentRequest.objects.exists()
