"""No dead ends: every link on every page leads somewhere, for everyone who can see it.

The crawl starts where each kind of person starts (the sign-in page and the home page for someone
not signed in, the home page for a patient, the console for staff and for a clinic's
administrator), collects every same-site `<a href>` of each HTML page, follows redirects and
links breadth-first up to MAX_PAGES pages, and fails on any "not found" or server error, naming
the page that linked to it. Sign-out is a form, not a link, and is never followed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from lantern.access.models import StaffRole
from lantern.clinical.models import Encounter
from lantern.core.context_processors import SIGN_OUT_HREF
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    AllergyFactory,
    ConditionFactory,
    ImmunizationFactory,
    MedicationRequestFactory,
    ObservationFactory,
    StaffMembershipFactory,
    UserFactory,
)
from lantern.testing.factories_enrollment import EnrollmentRequestFactory
from lantern.testing.records import patient_objects

pytestmark = pytest.mark.django_db

MAX_PAGES = 300
HOST = "testserver"


class Links(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def same_site_address(href: str, page: str) -> str | None:
    """The path and query `href` leads to from `page`, or None if it is not a page to follow."""
    url = urlsplit(urljoin(f"http://{HOST}{page}", href))
    if url.scheme not in ("http", "https") or url.netloc != HOST:
        return None
    if url.path.startswith(settings.STATIC_URL) or url.path == SIGN_OUT_HREF:
        return None
    return url.path + (f"?{url.query}" if url.query else "")


@dataclass
class Crawl:
    visited: dict[str, int] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)


def crawl(client: Client, starts: list[str]) -> Crawl:
    result = Crawl()
    queue: deque[tuple[str, str]] = deque((start, "(start)") for start in starts)
    queued = set(starts)

    def follow(href: str, source: str) -> None:
        address = same_site_address(href, source)
        if address is not None and address not in queued:
            queued.add(address)
            queue.append((address, source))

    while queue and len(result.visited) < MAX_PAGES:
        address, source = queue.popleft()
        response = client.get(address)
        result.visited[address] = response.status_code
        if response.status_code == 404 or response.status_code >= 500:
            result.broken.append(f"{address} ({response.status_code}), linked from {source}")
        elif response.status_code in (301, 302, 303, 307, 308):
            follow(response["Location"], address)
        elif response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            for href in Links(response.content.decode()).hrefs:
                follow(href, address)
    return result


@pytest.fixture
def alice_with_a_record(alice):
    """Alice with something in every part of her record, so its pages link to their items."""
    patient = alice.patient
    patient_objects(alice)
    ObservationFactory(patient=patient, code="29463-7", category="vital-signs")
    ConditionFactory(patient=patient)
    MedicationRequestFactory(patient=patient)
    AllergyFactory(patient=patient)
    ImmunizationFactory(patient=patient)
    return alice


@pytest.fixture
def clinic_administrator(clinic):
    user = UserFactory(username="ada", is_staff=True)
    StaffMembershipFactory(user=user, organization=clinic, role=StaffRole.ADMINISTRATOR)
    return user


def assert_no_dead_links(result: Crawl, must_visit: list[str]) -> None:
    assert result.broken == [], "\n".join(result.broken)
    for address in must_visit:
        assert address in result.visited, f"the crawl did not reach {address}"


def test_no_link_is_a_dead_end_for_someone_not_signed_in(client, alice):
    result = crawl(client, ["/", "/signin/"])
    assert_no_dead_links(
        result, ["/signin/", "/enroll/", "/signup/", "/accessibility/", "/privacy/"]
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
            "/accessibility/",
            "/privacy/",
        ],
    )
    # Every visit has its own page, reached from the list.
    visit = Encounter.objects.get(patient=patient)
    assert result.visited.get(f"/patients/{patient.pk}/record/visits/{visit.pk}/") == 200


def test_no_link_is_a_dead_end_for_staff(client, nora, alice_with_a_record, clinic):
    EnrollmentRequestFactory(organization=clinic)
    result = crawl(sign_in(client, nora), ["/staff/"])
    assert_no_dead_links(result, ["/staff/", "/staff/patients/", "/accessibility/", "/privacy/"])


def test_no_link_is_a_dead_end_for_a_clinic_administrator(
    client, clinic_administrator, nora, alice_with_a_record, clinic
):
    EnrollmentRequestFactory(organization=clinic)
    result = crawl(sign_in(client, clinic_administrator), ["/staff/"])
    assert_no_dead_links(result, ["/staff/", "/staff/patients/", "/accessibility/"])
