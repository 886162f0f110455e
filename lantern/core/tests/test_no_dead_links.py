"""No dead ends: every link on every page leads somewhere, for everyone who can see it.

The crawl (lantern/testing/crawl.py) starts where each kind of person starts (the sign-in page
and the home page for someone not signed in, the home page for a patient, the console for staff
and for a clinic's administrator), follows every same-site link breadth-first, and the test fails
on any "not found" or server error, naming the page that linked to it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lantern.access.models import ProxyKind
from lantern.clinical.models import Encounter
from lantern.record.tests.factories import ProcedureFactory
from lantern.support.models import SupportRequest
from lantern.testing.auth import sign_in
from lantern.testing.crawl import Crawl, clinic_administrator_of, crawl, give_a_full_record
from lantern.testing.factories import ProxyRelationshipFactory
from lantern.testing.factories_enrollment import EnrollmentRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_with_a_record(alice):
    """Alice with something in every part of her record, so its pages link to their items."""
    give_a_full_record(alice)
    # A procedure done at her visit: the procedures page links to the visit's page.
    ProcedureFactory(patient=alice.patient, encounter=Encounter.objects.get(patient=alice.patient))
    return alice


@pytest.fixture
def clinic_administrator(clinic):
    return clinic_administrator_of(clinic)


def assert_no_dead_links(result: Crawl, must_visit: list[str]) -> None:
    assert result.broken == [], "\n".join(result.broken)
    for address in must_visit:
        assert address in result.visited, f"the crawl did not reach {address}"


def test_no_link_is_a_dead_end_for_someone_not_signed_in(client, alice):
    result = crawl(client, ["/", "/signin/"])
    assert_no_dead_links(
        result,
        [
            "/signin/",
            "/enroll/",
            "/signup/",
            "/accessibility/",
            "/privacy/",
            "/help/",
            "/help/contact/",
        ],
    )


def test_no_link_is_a_dead_end_for_a_patient(client, alice_with_a_record):
    result = crawl(sign_in(client, alice_with_a_record), ["/"])
    patient = alice_with_a_record.patient
    assert_no_dead_links(
        result,
        [
            "/",
            "/results/",
            "/messages/",
            "/medications/",
            "/record/",
            f"/patients/{patient.pk}/record/visits/",
            f"/patients/{patient.pk}/record/vitals/",
            f"/patients/{patient.pk}/record/procedures/",
            "/accessibility/",
            "/privacy/",
            "/help/",
        ],
    )
    # Every visit has its own page, reached from the list.
    visit = Encounter.objects.get(patient=patient)
    assert result.visited.get(f"/patients/{patient.pk}/record/visits/{visit.pk}/") == 200


def test_no_link_is_a_dead_end_for_staff(client, nora, alice_with_a_record, clinic):
    EnrollmentRequestFactory(organization=clinic)
    support_request = SupportRequest.objects.create(
        organization=clinic,
        name="Jill Tillman",
        phone="555-123-4567",
        topic="other",
        message="Help",
        submission_key="k" * 32,
    )
    result = crawl(sign_in(client, nora), ["/staff/"])
    assert_no_dead_links(
        result,
        [
            "/staff/",
            "/staff/patients/",
            "/accessibility/",
            "/privacy/",
            "/staff/support/",
            f"/staff/support/{support_request.pk}/",
        ],
    )


def test_no_link_is_a_dead_end_for_a_clinic_administrator(
    client, clinic_administrator, nora, alice_with_a_record, clinic
):
    EnrollmentRequestFactory(organization=clinic)
    result = crawl(sign_in(client, clinic_administrator), ["/staff/"])
    assert_no_dead_links(result, ["/staff/", "/staff/patients/", "/accessibility/"])


def test_no_link_is_a_dead_end_for_a_limited_proxy(client, bob, alice_with_a_record):
    # bob may open alice's health record and results only: no link leads him to her messages,
    # medicines, documents' downloads or access log.
    result = crawl(sign_in(client, bob), ["/"])
    patient = alice_with_a_record.patient
    assert_no_dead_links(
        result,
        [
            "/",
            "/people/",
            f"/patients/{patient.pk}/results/",
            f"/patients/{patient.pk}/record/",
            f"/patients/{patient.pk}/record/visits/",
            f"/patients/{patient.pk}/record/documents/",
        ],
    )
    assert f"/patients/{patient.pk}/messages/" not in result.visited
    assert f"/patients/{patient.pk}/record/medications/" not in result.visited


def test_no_link_is_a_dead_end_for_the_parent_of_a_teenager(client, alice_with_a_record):
    # A parent with full access to a 15 year old: notes, documents, messages and downloads stay
    # out of reach, and nothing links to them.
    patient = alice_with_a_record.patient
    patient.birth_date = dt.date(timezone.localdate().year - 15, 1, 1)
    patient.save(update_fields=["birth_date"])
    parent = ProxyRelationshipFactory(patient=patient, kind=ProxyKind.PARENT).proxy
    result = crawl(sign_in(client, parent), ["/"])
    assert_no_dead_links(
        result,
        [
            f"/patients/{patient.pk}/results/",
            f"/patients/{patient.pk}/record/",
            f"/patients/{patient.pk}/record/medications/",
        ],
    )
    assert not any("/record/documents/" in address for address in result.visited)
    assert not any("/download" in address for address in result.visited)
