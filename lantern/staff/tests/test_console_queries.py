"""Console pages read the staff member's roles once a request: the access decorator hands them to
the view and to the console's frame (its menu and its "Staff list" entry), which ask no more."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.access.models import StaffRole
from lantern.testing.auth import sign_in
from lantern.testing.factories import StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# How the console asks about the signed-in member's own memberships: their roles, whether they
# are staff at all, whether they administer a clinic.
OWN_MEMBERSHIP_QUERIES = (
    'SELECT "access_staffmembership"."organization_id" AS "organization_id", '
    '"access_staffmembership"."role" AS "role" FROM "access_staffmembership"',
    'SELECT 1 AS "a" FROM "access_staffmembership"',
    'SELECT 1 AS "a" FROM "clinical_organization" INNER JOIN "access_staffmembership"',
)


def own_membership_reads(client: Client, url: str) -> int:
    """How many queries of the page ask about the member's own memberships."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return sum(
        query["sql"].startswith(OWN_MEMBERSHIP_QUERIES) for query in captured.captured_queries
    )


def console_urls(patient) -> list[str]:
    return [
        reverse("staff:home"),
        reverse("staff:inbox"),
        reverse("staff:patients"),
        reverse("staff:conversation_start", kwargs={"patient_id": patient.pk}),
    ]


def test_console_pages_read_the_staff_members_roles_once(nora, alice):
    client = sign_in(Client(), nora)

    assert [own_membership_reads(client, url) for url in console_urls(alice.patient)] == [1] * 4


def test_an_administrator_sees_the_staff_list_entry_from_the_roles_read_once(clinic):
    administrator = StaffMembershipFactory(
        user=UserFactory(username="ada", is_staff=True),
        organization=clinic,
        role=StaffRole.ADMINISTRATOR,
    ).user
    client = sign_in(Client(), administrator)

    assert own_membership_reads(client, reverse("staff:home")) == 1
    assert reverse("staff:staff_lists") in client.get(reverse("staff:home")).text


def test_the_staff_list_entry_stays_hidden_from_staff_who_do_not_administer(nora):
    client = sign_in(Client(), nora)

    assert reverse("staff:staff_lists") not in client.get(reverse("staff:home")).text
