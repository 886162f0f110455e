"""Results held back from the patient for a delay per kind of test, and the staff queue."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.access.policy import patient_access
from lantern.clinical.models import ReportKind
from lantern.downloads.selectors import record_summary
from lantern.results.models import ResultReleaseDelay
from lantern.testing.auth import sign_in
from lantern.testing.factories import EncounterFactory, PatientFactory, UserFactory

from .conftest import add_observations, add_reports, make_report

pytestmark = pytest.mark.django_db

QUEUE = "/staff/results-on-hold/"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def cholesterol(value: float, **fields) -> dict:
    return {
        "code": "2093-3",
        "display": "Cholesterol",
        "value_quantity": value,
        "value_unit": "mg/dL",
        **fields,
    }


def hold(kind: str, hours: int) -> None:
    ResultReleaseDelay.objects.create(kind=kind, delay_hours=hours)


def patient_url(name: str, user, **kwargs) -> str:
    return reverse(name, kwargs={"patient_id": user.patient_id, **kwargs})


def fresh_lab_report(alice, *, when=NOW, issued_at=NOW, **fields):
    """A lipid panel taken and issued at `when`, during a visit, with one cholesterol value."""
    visit = EncounterFactory(patient=alice.patient, period_start=when)
    return make_report(
        alice.patient,
        when=when,
        issued_at=issued_at,
        encounter=visit,
        display="Lipid panel",
        values=[cholesterol(287.0, encounter=visit)],
        **fields,
    )


def what_alice_sees(alice, report) -> dict[str, object]:
    """Every place a result can reach the patient, read as alice."""
    client = sign_in(Client(), alice)
    observation = report.results.get()
    bundle = client.get(patient_url("downloads:record_json", alice)).content.decode()
    access = patient_access(alice, alice.patient_id)
    return {
        "list": "Lipid panel" in client.get(patient_url("results:list", alice)).content.decode(),
        "detail": client.get(patient_url("results:detail", alice, report_id=report.pk)).status_code,
        # The value's own table cell: a bare "287" could also be part of a random id or token.
        "trend": '<td data-label="Value">287</td>'
        in client.get(patient_url("results:trend", alice, code="2093-3")).content.decode(),
        "visit": "Lipid panel"
        in client.get(
            patient_url("record:visit", alice, visit_id=report.encounter_id)
        ).content.decode(),
        "record_json": str(report.pk) in bundle or str(observation.pk) in bundle,
        "record_pdf": observation in record_summary(access=access).results.rows,
        "result_json": client.get(
            patient_url("downloads:result_json", alice, report_id=report.pk)
        ).status_code,
        "result_pdf": client.get(
            patient_url("downloads:result_pdf", alice, report_id=report.pk)
        ).status_code,
    }


VISIBLE = {
    "list": True,
    "detail": 200,
    "trend": True,
    "visit": True,
    "record_json": True,
    "record_pdf": True,
    "result_json": 200,
    "result_pdf": 200,
}
HIDDEN = {
    "list": False,
    "detail": 404,
    "trend": False,
    "visit": False,
    "record_json": False,
    "record_pdf": False,
    "result_json": 404,
    "result_pdf": 404,
}


def test_with_no_delays_a_new_result_reaches_the_patient_at_once(alice):
    with time_machine.travel(NOW, tick=False):
        report = fresh_lab_report(alice)
        assert what_alice_sees(alice, report) == VISIBLE


def test_a_lab_delay_hides_a_fresh_lab_result_from_the_patient_everywhere(alice):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        report = fresh_lab_report(alice, when=NOW)
        assert what_alice_sees(alice, report) == HIDDEN


def test_staff_see_a_held_result_at_once(alice, nora):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        report = fresh_lab_report(alice, when=NOW)
        client = sign_in(Client(), nora)
        assert "Lipid panel" in client.get(patient_url("results:list", alice)).content.decode()
        detail = client.get(patient_url("results:detail", alice, report_id=report.pk))
        assert detail.status_code == 200


def test_the_patient_sees_a_held_result_once_the_delay_has_passed(alice):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(NOW, tick=False):
        report = fresh_lab_report(alice, when=NOW)
    with time_machine.travel(NOW + dt.timedelta(hours=72, minutes=1), tick=False):
        assert what_alice_sees(alice, report) == VISIBLE


def test_the_delay_counts_from_when_the_result_was_taken_if_it_has_no_issue_time(alice):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(NOW + dt.timedelta(hours=71), tick=False):
        report = fresh_lab_report(alice, when=NOW, issued_at=None)
        assert what_alice_sees(alice, report)["detail"] == 404
    with time_machine.travel(NOW + dt.timedelta(hours=73), tick=False):
        assert what_alice_sees(alice, report)["detail"] == 200


def test_an_imaging_delay_does_not_hold_lab_results_and_a_lab_delay_does_not_hold_imaging(alice):
    hold(ReportKind.IMAGING, 48)
    hold(ReportKind.LABORATORY, 2)
    with time_machine.travel(NOW + dt.timedelta(hours=3), tick=False):
        lab = make_report(alice.patient, when=NOW, issued_at=NOW, display="Lipid panel")
        scan = make_report(
            alice.patient,
            when=NOW,
            issued_at=NOW,
            kind=ReportKind.IMAGING,
            display="Chest X-ray",
            presented_text="Clear lungs.",
        )
        client = sign_in(Client(), alice)
        page = client.get(patient_url("results:list", alice)).content.decode()
        assert "Lipid panel" in page
        assert "Chest X-ray" not in page
        assert client.get(patient_url("results:detail", alice, report_id=lab.pk)).status_code == 200
        assert (
            client.get(patient_url("results:detail", alice, report_id=scan.pk)).status_code == 404
        )


def test_alice_cannot_open_charlies_result_on_hold_or_released(alice, charlie):
    hold(ReportKind.LABORATORY, 72)
    report = fresh_lab_report(charlie, when=timezone.now() - dt.timedelta(days=30))
    client = sign_in(Client(), alice)
    url = reverse(
        "results:detail", kwargs={"patient_id": charlie.patient_id, "report_id": report.pk}
    )
    assert client.get(url).status_code == 404
    assert client.get(patient_url("results:detail", alice, report_id=report.pk)).status_code == 404


# The staff queue.


def test_the_queue_lists_a_held_result_with_its_patient_test_and_release_time(alice, nora):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        fresh_lab_report(alice, when=NOW)
        client = sign_in(Client(), nora)
        response = client.get(QUEUE)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<h1") == 1
    assert "Alice Adams" in page
    assert "Lipid panel" in page
    # When the patient sees it, in the staff pages' date format (being moved to `moment`).
    assert "Mar 5, 2026" in page and "4:00" in page
    assert "usa-table--stacked" in page


def test_a_released_result_leaves_the_queue(alice, nora):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(NOW, tick=False):
        fresh_lab_report(alice, when=NOW)
    with time_machine.travel(NOW + dt.timedelta(hours=73), tick=False):
        page = sign_in(Client(), nora).get(QUEUE).content.decode()
    assert "Lipid panel" not in page
    assert "No results are on hold" in page


def test_staff_of_another_clinic_do_not_see_the_held_result_in_their_queue(alice, olga):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        fresh_lab_report(alice, when=NOW)
        page = sign_in(Client(), olga).get(QUEUE).content.decode()
    assert "Alice" not in page
    assert "No results are on hold" in page


def test_the_queue_is_not_open_to_patients(alice):
    response = sign_in(Client(), alice).get(QUEUE)
    assert response.status_code in (403, 404)


def test_the_queue_is_paginated_25_to_a_page(alice, nora):
    hold(ReportKind.LABORATORY, 24 * 365)
    add_reports(alice.patient, 30)
    client = sign_in(Client(), nora)
    first = client.get(QUEUE).content.decode()
    assert first.count('data-label="Patient"') == 25
    assert "Page 1 of 2" in first
    assert client.get(QUEUE, {"page": 2}).content.decode().count('data-label="Patient"') == 5


def test_the_console_home_counts_the_results_on_hold(alice, nora):
    hold(ReportKind.LABORATORY, 24 * 365)
    add_reports(alice.patient, 3)
    page = sign_in(Client(), nora).get("/staff/").content.decode()
    assert "<strong>3</strong> not yet shown to patients" in page
    assert QUEUE in page


def test_the_console_home_says_when_nothing_is_on_hold(nora):
    page = sign_in(Client(), nora).get("/staff/").content.decode()
    assert "None on hold" in page


# Query counts.


def queries_for(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def held_patient(clinic, *, reports: int, observations: int):
    """A patient whose reports are all recent (held) with `observations` values in all."""
    user = UserFactory(patient=PatientFactory(managing_organization=clinic))
    add_reports(user.patient, reports, values_each=2)
    add_observations(user.patient, observations - reports * 2)
    return user


def test_the_queue_costs_the_same_for_10_and_2000_observations(clinic, nora):
    hold(ReportKind.LABORATORY, 24 * 365)
    hold(ReportKind.IMAGING, 24)
    held_patient(clinic, reports=3, observations=10)
    client = sign_in(Client(), nora)
    small_cost = queries_for(client, QUEUE)
    held_patient(clinic, reports=60, observations=2000)
    assert queries_for(client, QUEUE) == small_cost
    assert queries_for(client, "/staff/") == queries_for(client, "/staff/")


def test_the_patients_results_list_costs_the_same_with_delays_for_10_and_2000_observations(
    clinic,
):
    # Each record has one lab report still held and the rest released.
    hold(ReportKind.LABORATORY, 36)
    hold(ReportKind.IMAGING, 24)
    small = held_patient(clinic, reports=3, observations=10)
    large = held_patient(clinic, reports=60, observations=2000)
    costs = []
    for user in (small, large):
        client = sign_in(Client(), user)
        costs.append(
            [
                queries_for(client, patient_url("results:list", user)),
                queries_for(client, patient_url("results:trend", user, code="4548-4")),
            ]
        )
    assert costs[0] == costs[1]
