"""A sign-up request goes to one clinic: the clinics this deployment serves, and no other."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.enrollment import selectors, services
from lantern.enrollment.forms import STALE_CLINIC
from lantern.enrollment.models import EnrollmentRequest
from lantern.testing.factories import OrganizationFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGN_UP = reverse("enrollment:sign_up")
SENT = reverse("enrollment:sign_up_sent")
CLOSED = (
    "You cannot ask for an account online yet. Call your clinic and ask for an activation code."
)
CLINIC_SELECT = re.compile(r'<select name="organization"[^>]*>(.*?)</select>', re.DOTALL)


def details(**overrides) -> dict:
    return {
        "given_names": "Dora",
        "family_name": "Diaz",
        "birth_month": "6",
        "birth_day": "15",
        "birth_year": "1975",
        "email": "dora@example.org",
        "phone": "555-123-4567",
        "submission_key": "k" * 32,
        **overrides,
    }


@pytest.fixture
def clinic_without_staff(db):
    return OrganizationFactory(name="Closed Clinic")


# Which clinics take requests.


def test_only_active_clinics_with_active_staff_take_requests(nora, olga, clinic, other_clinic):
    former = OrganizationFactory(name="Former Clinic")
    StaffMembershipFactory(organization=former, is_active=False)
    departed = OrganizationFactory(name="Departed Clinic")
    StaffMembershipFactory(organization=departed, user=UserFactory(is_active=False))
    closed = OrganizationFactory(name="Closed For Good", active=False)
    StaffMembershipFactory(organization=closed)
    OrganizationFactory(name="No Staff Clinic")

    assert list(selectors.clinics_accepting_sign_ups()) == [other_clinic, clinic]


# The form.


def test_with_one_clinic_the_clinic_is_implied_and_not_asked(nora, clinic):
    client = Client()
    page = client.get(SIGN_UP).content.decode()
    assert not CLINIC_SELECT.search(page)
    assert "Your clinic" not in page
    assert f'type="hidden" name="organization" value="{clinic.pk}"' in page

    response = client.post(SIGN_UP, details(organization=str(clinic.pk)))

    assert response["Location"] == SENT
    assert EnrollmentRequest.objects.get().organization == clinic


def test_with_one_clinic_a_form_without_the_clinic_goes_to_that_clinic(nora, clinic):
    # A page loaded before the form asked for a clinic has no clinic field at all.
    assert Client().post(SIGN_UP, details())["Location"] == SENT
    assert EnrollmentRequest.objects.get().organization == clinic


def test_with_two_clinics_the_person_chooses_theirs(nora, olga, clinic, other_clinic):
    client = Client()
    page = client.get(SIGN_UP).content.decode()
    select = CLINIC_SELECT.search(page)
    assert select, page
    assert f'<option value="{clinic.pk}">Riverside Family Clinic</option>' in select.group(1)
    assert f'<option value="{other_clinic.pk}">Hilltop Health</option>' in select.group(1)
    assert '<label class="usa-label" for="id_organization">Your clinic</label>' in page

    response = client.post(SIGN_UP, details(organization=str(other_clinic.pk)))

    assert response["Location"] == SENT
    assert EnrollmentRequest.objects.get().organization == other_clinic


def test_with_two_clinics_a_request_without_a_clinic_says_to_choose_one(nora, olga):
    response = Client().post(SIGN_UP, details())
    assert response.status_code == 200
    page = response.content.decode()
    assert '<a class="usa-link" href="#id_organization">Choose your clinic.</a>' in page
    assert 'aria-invalid="true"' in CLINIC_SELECT.search(page).group(0)
    assert not EnrollmentRequest.objects.exists()


@pytest.mark.parametrize(
    "tampered", ["clinic without staff", "random uuid", "not a uuid", "clinic inactive staff"]
)
def test_a_tampered_clinic_is_a_form_error(nora, olga, clinic_without_staff, tampered):
    former = OrganizationFactory()
    StaffMembershipFactory(organization=former, is_active=False)
    organization = {
        "clinic without staff": str(clinic_without_staff.pk),
        "random uuid": str(uuid.uuid4()),
        "not a uuid": "1 OR 1=1",
        "clinic inactive staff": str(former.pk),
    }[tampered]

    response = Client().post(SIGN_UP, details(organization=organization))

    assert response.status_code == 200
    assert "Choose your clinic from the list." in response.content.decode()
    assert not EnrollmentRequest.objects.exists()


def test_with_one_clinic_a_tampered_clinic_is_a_form_error(nora, clinic_without_staff):
    response = Client().post(SIGN_UP, details(organization=str(clinic_without_staff.pk)))
    assert response.status_code == 200
    assert str(STALE_CLINIC) in response.content.decode()
    assert not EnrollmentRequest.objects.exists()


def test_the_same_form_sent_twice_to_a_chosen_clinic_makes_one_request(nora, olga, clinic):
    client = Client()
    client.post(SIGN_UP, details(organization=str(clinic.pk)))
    second = client.post(SIGN_UP, details(organization=str(clinic.pk)))
    assert second["Location"] == SENT
    assert EnrollmentRequest.objects.count() == 1


# No clinic to ask.


def test_with_no_clinic_taking_requests_the_page_says_to_call_and_records_nothing(clinic):
    page = Client().get(SIGN_UP).content.decode()
    assert CLOSED in page
    assert "<form" not in page.split("<main", 1)[1]

    response = Client().post(SIGN_UP, details(organization=str(clinic.pk)))

    assert response.status_code == 200
    assert CLOSED in response.content.decode()
    assert not EnrollmentRequest.objects.exists()


def test_the_service_refuses_a_clinic_that_does_not_take_requests(nora, clinic_without_staff):
    with pytest.raises(services.EnrollmentError) as refused:
        services.enrollment_request_submit(
            given_names="Dora",
            family_name="Diaz",
            birth_date=dt.date(1975, 6, 15),
            email="dora@example.org",
            phone="555-123-4567",
            organization=clinic_without_staff,
            submission_key="s" * 32,
            address=None,
        )
    assert refused.value.message == services.NOT_TAKING_REQUESTS
    assert not EnrollmentRequest.objects.exists()


# Cost.


def sign_up_page_queries() -> int:
    with CaptureQueriesContext(connection) as captured:
        assert Client().get(SIGN_UP).status_code == 200
    return len(captured)


def test_the_sign_up_page_costs_the_same_with_few_or_many_clinics(nora, olga):
    few = sign_up_page_queries()
    for _ in range(30):
        StaffMembershipFactory()
    assert sign_up_page_queries() == few
