"""Lab values that belong to no report (every Synthea hemoglobin A1c) are results of their own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.clinical.models import ObservationCategory, ReportKind
from lantern.results.models import ResultSeen
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    EncounterFactory,
    ObservationFactory,
    PatientFactory,
    PractitionerFactory,
    UserFactory,
)

from .conftest import add_observations, add_reports, make_report

pytestmark = pytest.mark.django_db


def list_url(user) -> str:
    return reverse("results:list", kwargs={"patient_id": user.patient_id})


def observation_url(user, observation) -> str:
    return reverse(
        "results:observation",
        kwargs={"patient_id": user.patient_id, "observation_id": observation.pk},
    )


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def a1c(patient, *, when=None, **fields):
    """A hemoglobin A1c that belongs to no report, as Synthea records it."""
    values = {
        "display": "Hemoglobin A1c",
        "value_quantity": 7.9,
        "value_unit": "%",
        "reference_low": 4.0,
        "reference_high": 5.6,
        "effective_at": when or days_ago(2),
        **fields,
    }
    return ObservationFactory(patient=patient, **values)


def rows_of(text: str) -> list[str]:
    return text.split('data-testid="result-row"')[1:]


# The list.


def test_a_lab_value_of_no_report_is_listed_among_the_reports_in_date_order(alice):
    make_report(alice.patient, display="Lipid panel", when=days_ago(1))
    a1c(alice.patient, when=days_ago(2))
    make_report(alice.patient, display="Chest X-ray", kind=ReportKind.IMAGING, when=days_ago(3))

    rows = rows_of(sign_in(Client(), alice).get(list_url(alice)).text)

    assert len(rows) == 3
    assert "Lipid panel" in rows[0]
    assert "Hemoglobin A1c" in rows[1] and ">High</span>" in rows[1] and "Lab" in rows[1]
    assert "Chest X-ray" in rows[2]


def test_values_in_a_report_and_vital_signs_are_not_listed_as_results_of_their_own(alice):
    make_report(alice.patient, display="Lipid panel", values=[{"display": "Cholesterol"}])
    ObservationFactory(
        patient=alice.patient, category=ObservationCategory.VITAL_SIGNS, display="Heart rate"
    )

    text = sign_in(Client(), alice).get(list_url(alice)).text

    assert len(rows_of(text)) == 1
    assert "Cholesterol" not in text and "Heart rate" not in text


def test_the_lab_value_follows_the_kind_date_and_name_filters(alice):
    a1c(alice.patient, when=days_ago(5))
    make_report(alice.patient, display="Knee X-ray", kind=ReportKind.IMAGING, when=days_ago(5))
    client = sign_in(Client(), alice)

    def listed(**filters) -> bool:
        return "Hemoglobin A1c" in client.get(list_url(alice), filters).text

    assert listed(kind="laboratory")
    assert not listed(kind="imaging")
    assert listed(date_from=days_ago(6).date().isoformat(), date_to=days_ago(4).date().isoformat())
    assert not listed(date_from=days_ago(3).date().isoformat())
    assert listed(q="a1c")
    assert not listed(q="x-ray")


def test_reports_and_lab_values_share_the_pages_25_to_a_page(alice):
    for day in range(20):
        make_report(alice.patient, display=f"Panel {day:02d}", when=days_ago(2 * day + 1))
    for day in range(10):
        a1c(alice.patient, display=f"A1c {day:02d}", when=days_ago(2 * day + 2))
    client = sign_in(Client(), alice)

    first = client.get(list_url(alice)).text
    second = client.get(list_url(alice), {"page": 2}).text

    assert len(rows_of(first)) == 25
    assert len(rows_of(second)) == 5
    assert "A1c 09" in first and "Panel 14" in first
    assert "Panel 15" in second and "Panel 19" in second and "A1c" not in second


def test_a_lab_value_is_new_until_the_patient_opens_it(alice):
    observation = a1c(alice.patient)
    client = sign_in(Client(), alice)

    before = client.get(list_url(alice)).text
    client.get(observation_url(alice, observation))
    client.get(observation_url(alice, observation))
    after = client.get(list_url(alice)).text

    assert ">New</span>" in before
    assert ">New</span>" not in after
    assert ResultSeen.objects.filter(user=alice, observation=observation).count() == 1


def test_the_home_page_counts_unopened_lab_values_among_new_results(alice):
    make_report(alice.patient, display="Lipid panel")
    observation = a1c(alice.patient)
    client = sign_in(Client(), alice)

    before = client.get("/").text
    client.get(observation_url(alice, observation))
    after = client.get("/").text

    assert "<strong>2</strong> new test results" in before
    assert "<strong>1</strong> new test result " in after
    assert observation_url(alice, observation) in after


def test_a_seen_row_names_exactly_one_result(alice):
    with pytest.raises(IntegrityError):
        ResultSeen.objects.create(user=alice, seen_at=timezone.now())


# The result page.


def test_the_lab_value_page_gives_value_range_flag_date_clinician_comment_and_trend(alice):
    doctor = PractitionerFactory(prefix="Dr.", given_names="Maya", family_name="Patel")
    visit = EncounterFactory(patient=alice.patient, practitioner=doctor)
    a1c(alice.patient, when=days_ago(200), value_quantity=6.1)
    observation = a1c(
        alice.patient,
        when=dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC),
        encounter=visit,
        note="Higher than last time.",
    )

    response = sign_in(Client(), alice).get(observation_url(alice, observation))
    text = response.text

    assert response.status_code == 200
    assert text.count("<h1") == 1
    assert "7.9 %" in text
    assert "Normal range: 4 to 5.6 %" in text
    assert ">High</span>" in text
    assert "Mar 2, 2026" in text
    assert "Dr. Maya Patel" in text
    assert "Higher than last time." in text
    assert reverse("results:trend", kwargs={"patient_id": alice.patient_id, "code": "4548-4"}) in (
        text
    )
    assert "download.pdf" in text and "download.json" in text


def test_alice_cannot_open_charlies_lab_value_but_staff_of_the_clinic_can(alice, charlie, nora):
    observation = a1c(charlie.patient)

    client = sign_in(Client(), alice)
    assert client.get(observation_url(charlie, observation)).status_code == 404
    assert client.get(observation_url(alice, observation)).status_code == 404
    assert sign_in(Client(), nora).get(observation_url(charlie, observation)).status_code == 200
    assert not ResultSeen.objects.filter(user=alice).exists()


# Query counts.


def queries_for(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_the_list_and_the_lab_value_page_cost_the_same_for_10_and_2000_observations(clinic):
    costs = []
    for reports, observations in ((3, 10), (60, 2000)):
        user = UserFactory(patient=PatientFactory(managing_organization=clinic))
        add_reports(user.patient, reports)
        add_observations(user.patient, observations - reports * 2)
        observation = a1c(user.patient)
        client = sign_in(Client(), user)
        costs.append(
            [
                queries_for(client, list_url(user)),
                queries_for(client, list_url(user) + "?kind=laboratory&q=a1c&page=2"),
                queries_for(client, observation_url(user, observation)),
                queries_for(client, "/"),
            ]
        )
    assert costs[0] == costs[1]


def test_values_read_as_people_write_them_on_the_report_and_trend_pages(alice):
    report = make_report(
        alice.patient, display="Diabetes panel", values=[{"value_quantity": 7.9}], when=days_ago(1)
    )
    a1c(alice.patient, when=days_ago(30), value_quantity=6.25)
    client = sign_in(Client(), alice)

    detail = client.get(
        reverse("results:detail", kwargs={"patient_id": alice.patient_id, "report_id": report.pk})
    ).text
    trend = client.get(
        reverse("results:trend", kwargs={"patient_id": alice.patient_id, "code": "4548-4"})
    ).text

    assert "7.9 %" in detail and "7.900" not in detail
    assert ">7.9<" in trend and ">6.3<" in trend and "7.900" not in trend
