"""The results pages make the same number of SQL queries for a small and a large record."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.clinical.models import DiagnosticReport
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, UserFactory

from .conftest import add_observations, add_reports

pytestmark = pytest.mark.django_db


def queries_for(client: Client, url: str) -> int:
    client.get(url)  # The first request may refresh the session and record the result as seen.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def patient_with(clinic, *, reports: int, observations: int):
    user = UserFactory(patient=PatientFactory(managing_organization=clinic))
    add_reports(user.patient, reports, values_each=2)
    add_observations(user.patient, observations - reports * 2)
    return user


def page_costs(user) -> list[int]:
    client = sign_in(Client(), user)
    patient_id = user.patient_id
    report = DiagnosticReport.objects.filter(patient_id=patient_id).first()
    urls = [
        reverse("results:list", kwargs={"patient_id": patient_id}),
        reverse("results:list", kwargs={"patient_id": patient_id}) + "?kind=laboratory&q=panel",
        reverse("results:detail", kwargs={"patient_id": patient_id, "report_id": report.pk}),
        reverse("results:trend", kwargs={"patient_id": patient_id, "code": "4548-4"}),
    ]
    return [queries_for(client, url) for url in urls]


def test_every_results_page_costs_the_same_for_10_and_2000_observations(clinic):
    small = patient_with(clinic, reports=3, observations=10)
    large = patient_with(clinic, reports=60, observations=2000)

    assert page_costs(small) == page_costs(large)
