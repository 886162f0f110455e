"""A search costs the same number of SQL queries whatever the page size and the size of the
record, and so does a page of Patient/$everything."""

from __future__ import annotations

import pytest
from django.test import Client

from lantern.clinical.models import DiagnosticReportResult
from lantern.fhir_api.testing import connected_app_token
from lantern.testing.factories import DiagnosticReportFactory, ObservationFactory

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"
# Every request: the token with its app and patient (one query), the audit event (one).
# Results add the release delays (one); reports their results (one) and the included values
# (one); a proxy's app its relationship (one); $everything one query per type.
SEARCHES = [
    ("Observation?code=http://loinc.org|4548-4&_sort=-date&_count={count}", 4),
    ("DiagnosticReport?_include=DiagnosticReport:result&_count={count}", 6),
    ("Condition?_count={count}", 3),
    ("Observation/{value}", 4),
]
# $everything stops at the type where its page fills: at most one query per type.
EVERYTHING_MOST = 16


def add_reports(patient, reports: int, values_each: int) -> None:
    for _ in range(reports):
        report = DiagnosticReportFactory(patient=patient)
        for position in range(values_each):
            value = ObservationFactory(patient=patient)
            DiagnosticReportResult.objects.create(
                report=report, observation=value, position=position
            )


def api_client(user, patient) -> Client:
    token = connected_app_token(user, patient, "patient/*.rs")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    # The first request of a minute notes when the app last read; later ones write nothing.
    assert client.get(BASE + "Observation?_count=1").status_code == 200
    return client


@pytest.mark.parametrize(("path", "queries"), SEARCHES)
def test_a_search_costs_the_same_queries_whatever_its_size(
    alice, path, queries, django_assert_num_queries
):
    patient = alice.patient
    client = api_client(alice, patient)
    add_reports(patient, 2, 2)
    value = ObservationFactory(patient=patient)
    with django_assert_num_queries(queries):
        small = client.get(BASE + path.format(count=2, patient=patient.pk, value=value.pk))
    add_reports(patient, 40, 5)
    with django_assert_num_queries(queries):
        large = client.get(BASE + path.format(count=100, patient=patient.pk, value=value.pk))

    assert small.status_code == large.status_code == 200


def test_a_page_of_everything_costs_at_most_one_query_per_type(
    alice, django_assert_max_num_queries
):
    patient = alice.patient
    client = api_client(alice, patient)
    add_reports(patient, 2, 2)
    with django_assert_max_num_queries(EVERYTHING_MOST):
        small = client.get(f"{BASE}Patient/{patient.pk}/$everything?_count=2")
    add_reports(patient, 40, 5)
    with django_assert_max_num_queries(EVERYTHING_MOST):
        large = client.get(f"{BASE}Patient/{patient.pk}/$everything?_count=100")

    assert small.status_code == large.status_code == 200


def test_a_proxys_app_adds_one_query_for_the_relationship(alice, bob, django_assert_num_queries):
    client = api_client(bob, alice.patient)
    add_reports(alice.patient, 2, 2)
    with django_assert_num_queries(5):
        small = client.get(BASE + "Observation?_count=2")
    add_reports(alice.patient, 40, 5)
    with django_assert_num_queries(5):
        large = client.get(BASE + "Observation?_count=100")

    assert small.status_code == large.status_code == 200


def test_a_search_is_four_statements_each_of_its_own(alice):
    """The token, the release delays, the page (every column in one statement, whatever the
    page size) and the audit event: nothing else, not even a health check."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client(alice, alice.patient)
    add_reports(alice.patient, 3, 3)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(BASE + "Observation?code=http://loinc.org|4548-4&_count=5")

    assert response.status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 4
    assert "oauth2_provider_accesstoken" in statements[0]
    assert "results_resultreleasedelay" in statements[1]
    assert statements[2].startswith('SELECT "clinical_observation"."id", ')
    assert '"clinical_observation"."components"' in statements[2]
    assert statements[3].startswith('INSERT INTO "audit_auditevent"')
    assert "RETURNING" not in statements[3]
