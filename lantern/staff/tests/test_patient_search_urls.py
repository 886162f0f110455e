"""Patient names never appear in the address of the staff patient search (issue 9, item 14b)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory
from lantern.testing.factories_enrollment import EnrollmentRequestFactory

pytestmark = pytest.mark.django_db

PATIENTS = reverse("staff:patients")


@pytest.fixture
def dora(clinic):
    return PatientFactory(given_names="Dora", family_name="Diaz", managing_organization=clinic)


def test_a_search_is_posted_and_the_results_address_holds_no_name(nora, dora):
    client = sign_in(Client(), nora)

    response = client.post(PATIENTS, {"q": "Dora Diaz"}, follow=True)

    assert [url for url, _ in response.redirect_chain] == [PATIENTS]
    assert response.request["PATH_INFO"] == PATIENTS
    assert not response.request.get("QUERY_STRING")
    assert reverse("staff:patient", kwargs={"patient_id": dora.pk}) in response.text
    assert 'method="post"' in response.text


def test_an_old_link_with_the_name_in_the_query_is_redirected_to_a_plain_address(nora, dora):
    client = sign_in(Client(), nora)

    response = client.get(PATIENTS, {"q": "Diaz"})

    assert response.status_code == 302
    assert response.url == PATIENTS
    page = client.get(response.url)
    assert reverse("staff:patient", kwargs={"patient_id": dora.pk}) in page.text


def test_the_search_term_stays_for_the_session_and_can_be_replaced(nora, dora):
    client = sign_in(Client(), nora)
    client.post(PATIENTS, {"q": "Diaz"})

    assert "Diaz" in client.get(PATIENTS).text
    client.post(PATIENTS, {"q": "Nobody"})
    assert "No patients match" in client.get(PATIENTS).text


def test_the_request_review_page_searches_by_post_not_by_a_link_with_the_name(nora, clinic):
    request = EnrollmentRequestFactory(family_name="Zebediah", organization=clinic)
    client = sign_in(Client(), nora)

    page = client.get(reverse("staff:enrollment_request", kwargs={"request_id": request.pk}))

    assert page.status_code == 200
    assert "Search patients named Zebediah" in page.text
    assert "?q=" not in page.text
