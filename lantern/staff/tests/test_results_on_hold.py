"""The staff queue "Results on hold": held reports and held lab values of no report, in one list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.clinical.models import (
    DiagnosticReport,
    DiagnosticReportResult,
    Observation,
    ReportKind,
)
from lantern.results.models import ResultReleaseDelay
from lantern.staff.selectors import results_on_hold_count
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    DiagnosticReportFactory,
    ObservationFactory,
    PatientFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = "/staff/results-on-hold/"
HOME = "/staff/"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)
ROW = 'data-label="Patient"'


def hold(kind: str, hours: int) -> None:
    ResultReleaseDelay.objects.create(kind=kind, delay_hours=hours)


def lab_value(patient, *, when=NOW, **fields) -> Observation:
    """A lab value that belongs to no report, taken and issued at `when`."""
    return ObservationFactory(
        patient=patient, display="Hemoglobin A1c", effective_at=when, issued_at=when, **fields
    )


def report(patient, *, when=NOW, values: int = 0, **fields) -> DiagnosticReport:
    """A report issued at `when` listing `values` lab values."""
    made = DiagnosticReportFactory(patient=patient, effective_at=when, issued_at=when, **fields)
    for position in range(values):
        value = ObservationFactory(patient=patient, effective_at=when, display="Glucose")
        DiagnosticReportResult.objects.create(report=made, observation=value, position=position)
    return made


def rows_of(page: str) -> list[str]:
    """The queue's table rows, in order, as text without tags."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr>")[1:]]


def held_mix(clinic, *, reports: int, values: int) -> None:
    """One patient with `reports` held lab reports (2 values each) and `values` held lab values."""
    patient = PatientFactory(managing_organization=clinic)
    made = DiagnosticReportFactory.build_batch(reports, patient=patient)
    for index, item in enumerate(made):
        item.effective_at = item.issued_at = NOW - dt.timedelta(minutes=index)
    DiagnosticReport.objects.bulk_create(made)
    listed = ObservationFactory.build_batch(reports * 2, patient=patient)
    standalone = ObservationFactory.build_batch(values, patient=patient)
    for index, item in enumerate(listed + standalone):
        item.effective_at = item.issued_at = NOW - dt.timedelta(minutes=index)
    Observation.objects.bulk_create(listed + standalone)
    DiagnosticReportResult.objects.bulk_create(
        DiagnosticReportResult(report=made[index // 2], observation=value, position=index % 2)
        for index, value in enumerate(listed)
    )


def test_the_queue_lists_held_reports_and_held_lab_values_in_one_list_by_release_time(
    alice, charlie, nora
):
    hold(ReportKind.LABORATORY, 72)
    hold(ReportKind.IMAGING, 24)
    with time_machine.travel(LATER, tick=False):
        lab_value(alice.patient)
        report(alice.patient, when=NOW - dt.timedelta(hours=10), display="Lipid panel", values=2)
        report(charlie.patient, kind=ReportKind.IMAGING, display="Chest X-ray")
        response = sign_in(Client(), nora).get(QUEUE)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1
    # The two values of the lipid panel are in the report's row, not rows of their own.
    assert rows_of(page) == [
        "Charlie Chen Chest X-ray Imaging report Mar 2, 2026, 4:00 AM EST Mar 3, 2026, 4:00 AM EST",
        "Alice Adams Lipid panel Lab report Mar 1, 2026, 6:00 PM EST Mar 4, 2026, 6:00 PM EST",
        "Alice Adams Hemoglobin A1c Lab value (no report) Mar 2, 2026, 4:00 AM EST "
        "Mar 5, 2026, 4:00 AM EST",
    ]
    assert 'data-label="Kind"' in page
    assert "usa-table--stacked" in page


def test_each_row_links_to_the_patient_and_to_the_result_page_staff_can_open(alice, nora):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(LATER, tick=False):
        value = lab_value(alice.patient)
        panel = report(alice.patient, display="Lipid panel", values=1)
        client = sign_in(Client(), nora)
        page = client.get(QUEUE).content.decode()
        links = [
            reverse("staff:patient", kwargs={"patient_id": alice.patient_id}),
            reverse(
                "results:observation",
                kwargs={"patient_id": alice.patient_id, "observation_id": value.pk},
            ),
            reverse(
                "results:detail", kwargs={"patient_id": alice.patient_id, "report_id": panel.pk}
            ),
        ]
        for link in links:
            assert f'href="{link}"' in page
            assert client.get(link).status_code == 200, link


def test_a_released_lab_value_leaves_the_queue_and_the_count(alice, nora):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(LATER, tick=False):
        lab_value(alice.patient)
        assert results_on_hold_count(user=nora) == 1
    with time_machine.travel(NOW + dt.timedelta(hours=73), tick=False):
        page = sign_in(Client(), nora).get(QUEUE).content.decode()
        assert results_on_hold_count(user=nora) == 0
    assert "Hemoglobin A1c" not in page
    assert "No results are on hold" in page


def test_an_imaging_delay_alone_does_not_put_lab_values_on_hold(alice, nora):
    hold(ReportKind.IMAGING, 72)
    with time_machine.travel(LATER, tick=False):
        lab_value(alice.patient)
        report(alice.patient, kind=ReportKind.IMAGING, display="Chest X-ray")
        page = sign_in(Client(), nora).get(QUEUE).content.decode()
    assert [row.split(" ")[2] for row in rows_of(page)] == ["Chest"]
    assert "Hemoglobin A1c" not in page


def test_staff_of_another_clinic_see_none_of_the_held_results(alice, nora, olga):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(LATER, tick=False):
        lab_value(alice.patient)
        report(alice.patient, display="Lipid panel")
        client = sign_in(Client(), olga)
        page = client.get(QUEUE).content.decode()
        home = client.get(HOME).content.decode()
        assert results_on_hold_count(user=olga) == 0
        assert results_on_hold_count(user=nora) == 2
    assert "Alice" not in page
    assert "No results are on hold" in page
    assert "None on hold" in home


def test_the_console_home_counts_held_reports_and_held_lab_values(alice, nora):
    hold(ReportKind.LABORATORY, 72)
    with time_machine.travel(LATER, tick=False):
        lab_value(alice.patient)
        lab_value(alice.patient)
        report(alice.patient, display="Lipid panel", values=2)
        page = sign_in(Client(), nora).get(HOME).content.decode()
    assert "<strong>3</strong> not yet shown to patients" in page


def test_the_queue_pages_reports_and_values_together_25_to_a_page(clinic, nora):
    hold(ReportKind.LABORATORY, 72)
    held_mix(clinic, reports=20, values=10)
    with time_machine.travel(LATER, tick=False):
        client = sign_in(Client(), nora)
        first = client.get(QUEUE).content.decode()
        second = client.get(QUEUE, {"page": 2}).content.decode()
    assert first.count(ROW) == 25
    assert "Page 1 of 2" in first
    assert second.count(ROW) == 5
    kinds = rows_of(first) + rows_of(second)
    assert sum("Lab value (no report)" in row for row in kinds) == 10
    assert sum("Lab report" in row for row in kinds) == 20


def test_the_queue_and_home_cost_the_same_for_3_and_60_held_results(
    clinic, nora, django_assert_num_queries
):
    hold(ReportKind.LABORATORY, 72)
    hold(ReportKind.IMAGING, 24)
    client = sign_in(Client(), nora)
    with time_machine.travel(LATER, tick=False):
        held_mix(clinic, reports=1, values=2)
        client.get(QUEUE)
        client.get(HOME)
        costs = {}
        for url in (QUEUE, HOME):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            costs[url] = len(captured)
        held_mix(clinic, reports=30, values=30)
        assert results_on_hold_count(user=nora) == 63
        for url in (QUEUE, HOME):
            with django_assert_num_queries(costs[url]):
                assert client.get(url).status_code == 200
