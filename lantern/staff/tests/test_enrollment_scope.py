"""Staff see and decide only the sign-up requests sent to their own clinics."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.access.models import StaffRole
from lantern.enrollment import services
from lantern.enrollment.models import ActivationCode, EnrollmentRequest, EnrollmentRequestStatus
from lantern.notifications.models import Notification, NotificationKind
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, StaffMembershipFactory, UserFactory
from lantern.testing.factories_enrollment import EnrollmentRequestFactory

pytestmark = pytest.mark.django_db

HOME = reverse("staff:home")
REQUESTS = reverse("staff:enrollment_requests")


def review_url(enrollment_request) -> str:
    return reverse("staff:enrollment_request", kwargs={"request_id": enrollment_request.pk})


def approve_url(enrollment_request) -> str:
    return reverse("staff:enrollment_request_approve", kwargs={"request_id": enrollment_request.pk})


def decline_url(enrollment_request) -> str:
    return reverse("staff:enrollment_request_decline", kwargs={"request_id": enrollment_request.pk})


@pytest.fixture
def doras_request(clinic):
    return EnrollmentRequestFactory(
        given_names="Dora", family_name="Diaz", email="dora@example.org", organization=clinic
    )


@pytest.fixture
def two_clinic_nurse(clinic, other_clinic):
    """Staff of both clinics the deployment serves."""
    user = UserFactory(username="pat", is_staff=True)
    StaffMembershipFactory(user=user, organization=clinic, role=StaffRole.NURSE)
    StaffMembershipFactory(user=user, organization=other_clinic, role=StaffRole.NURSE)
    return user


def listed_names(client: Client) -> set[str]:
    return {
        f"{item.given_names} {item.family_name}" for item in client.get(REQUESTS).context["page"]
    }


# Another clinic's staff.


def test_staff_of_another_clinic_do_not_see_or_count_the_clinics_requests(
    nora, olga, doras_request, other_clinic
):
    EnrollmentRequestFactory(given_names="Otto", family_name="Hill", organization=other_clinic)
    client = sign_in(Client(), olga)

    page = client.get(REQUESTS)
    assert listed_names(client) == {"Otto Hill"}
    assert "Dora" not in page.content.decode()
    assert "dora@example.org" not in page.content.decode()
    home = client.get(HOME).content.decode()
    assert "<strong>1</strong> waiting for review" in home


def test_staff_of_another_clinic_get_not_found_and_change_nothing(nora, olga, doras_request, dora):
    client = sign_in(Client(), olga)

    assert client.get(review_url(doras_request)).status_code == 404
    assert client.post(approve_url(doras_request), {"patient_id": str(dora.pk)}).status_code == 404
    assert client.post(decline_url(doras_request)).status_code == 404

    doras_request.refresh_from_db()
    assert doras_request.status == EnrollmentRequestStatus.PENDING
    assert doras_request.reviewed_by is None
    assert not ActivationCode.objects.exists()
    assert not Notification.objects.exists()


def test_a_request_id_that_does_not_exist_looks_the_same_as_another_clinics(olga, doras_request):
    client = sign_in(Client(), olga)
    missing = EnrollmentRequestFactory.build()
    assert client.get(review_url(missing)).status_code == 404
    assert client.get(review_url(doras_request)).status_code == 404


# The clinic's own staff.


def test_the_clinics_staff_see_count_and_approve_their_requests(
    nora, olga, doras_request, dora, other_clinic
):
    EnrollmentRequestFactory(given_names="Otto", family_name="Hill", organization=other_clinic)
    client = sign_in(Client(), nora)
    assert listed_names(client) == {"Dora Diaz"}
    assert "<strong>1</strong> waiting for review" in client.get(HOME).content.decode()
    review = client.get(review_url(doras_request))
    assert "Riverside Family Clinic" in review.content.decode()
    assert list(review.context["candidates"]) == [dora]

    response = client.post(approve_url(doras_request), {"patient_id": str(dora.pk)}, follow=True)

    assert "Approved." in response.content.decode()
    doras_request.refresh_from_db()
    assert doras_request.status == EnrollmentRequestStatus.APPROVED
    assert doras_request.patient == dora
    assert Notification.objects.filter(
        kind=NotificationKind.ACTIVATION_LINK, to_address="dora@example.org"
    ).exists()


def test_the_clinics_staff_can_decline_their_requests(nora, doras_request):
    sign_in(Client(), nora).post(decline_url(doras_request))
    doras_request.refresh_from_db()
    assert doras_request.status == EnrollmentRequestStatus.DECLINED


def test_staff_of_two_clinics_see_the_requests_of_both(
    two_clinic_nurse, doras_request, other_clinic
):
    EnrollmentRequestFactory(given_names="Otto", family_name="Hill", organization=other_clinic)
    client = sign_in(Client(), two_clinic_nurse)
    assert listed_names(client) == {"Dora Diaz", "Otto Hill"}
    assert "<strong>2</strong> waiting for review" in client.get(HOME).content.decode()


def test_a_request_is_matched_only_to_a_patient_of_the_clinic_it_was_sent_to(
    two_clinic_nurse, doras_request, dora, other_clinic
):
    twin = PatientFactory(
        family_name="Diaz", birth_date=dora.birth_date, managing_organization=other_clinic
    )
    client = sign_in(Client(), two_clinic_nurse)
    assert list(client.get(review_url(doras_request)).context["candidates"]) == [dora]

    response = client.post(approve_url(doras_request), {"patient_id": str(twin.pk)}, follow=True)

    assert services.OTHER_CLINICS_PATIENT in response.content.decode()
    doras_request.refresh_from_db()
    assert doras_request.status == EnrollmentRequestStatus.PENDING
    assert not ActivationCode.objects.exists()


def test_a_membership_that_ended_shows_no_requests(nora, doras_request):
    StaffMembershipFactory(organization=doras_request.organization)  # The clinic still has staff.
    ended = UserFactory(username="ed", is_staff=True)
    StaffMembershipFactory(user=ended, organization=doras_request.organization, is_active=False)
    StaffMembershipFactory(user=ended)  # Ed now works elsewhere.
    client = sign_in(Client(), ended)
    assert listed_names(client) == set()
    assert client.get(review_url(doras_request)).status_code == 404


# Requests sent before requests named a clinic.


def test_with_one_clinic_its_staff_see_requests_that_name_no_clinic(nora):
    legacy = EnrollmentRequestFactory(given_names="Lee", family_name="Gacy", organization=None)
    client = sign_in(Client(), nora)
    assert listed_names(client) == {"Lee Gacy"}
    assert "<strong>1</strong> waiting for review" in client.get(HOME).content.decode()
    assert client.get(review_url(legacy)).status_code == 200


def test_with_two_clinics_requests_that_name_no_clinic_are_shown_to_neither(nora, olga):
    legacy = EnrollmentRequestFactory(given_names="Lee", family_name="Gacy", organization=None)
    for user in (nora, olga):
        client = sign_in(Client(), user)
        assert listed_names(client) == set()
        assert "None waiting for review." in client.get(HOME).content.decode()
        assert client.get(review_url(legacy)).status_code == 404
        assert client.post(decline_url(legacy)).status_code == 404
    assert EnrollmentRequest.objects.get().status == EnrollmentRequestStatus.PENDING


def test_staff_of_every_clinic_see_requests_that_name_no_clinic(two_clinic_nurse, olga):
    EnrollmentRequestFactory(given_names="Lee", family_name="Gacy", organization=None)
    assert listed_names(sign_in(Client(), two_clinic_nurse)) == {"Lee Gacy"}


# Cost.


def page_queries(client: Client, url: str) -> int:
    client.get(url)  # The first request may refresh the session's "last active" time.
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_scoped_pages_cost_the_same_with_few_or_many_requests(nora, olga, clinic, other_clinic):
    client = sign_in(Client(), nora)
    first = EnrollmentRequestFactory(organization=clinic)
    pages = [HOME, REQUESTS, review_url(first)]
    EnrollmentRequestFactory.create_batch(2, organization=other_clinic)
    few = [page_queries(client, url) for url in pages]

    EnrollmentRequestFactory.create_batch(40, organization=clinic)
    EnrollmentRequestFactory.create_batch(40, organization=other_clinic)
    EnrollmentRequestFactory.create_batch(10, organization=None)

    assert [page_queries(client, url) for url in pages] == few
