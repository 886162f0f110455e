"""Builders for test results: reports with their values, in bulk where volume matters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lantern.clinical.models import (
    DiagnosticReport,
    DiagnosticReportResult,
    Observation,
)
from lantern.testing.factories import DiagnosticReportFactory, ObservationFactory


def make_report(patient, *, values=(), when=None, **fields) -> DiagnosticReport:
    """A report taken at `when` with the given observations (dicts of Observation fields)."""
    when = when or timezone.now()
    report = DiagnosticReportFactory(patient=patient, effective_at=when, **fields)
    for position, value in enumerate(values):
        observation = ObservationFactory(patient=patient, effective_at=when, **value)
        DiagnosticReportResult.objects.create(
            report=report, observation=observation, position=position
        )
    return report


def add_observations(patient, count: int, *, code: str = "4548-4") -> None:
    """`count` values of one test, a day apart, written in one statement."""
    start = timezone.now() - dt.timedelta(days=count)
    batch = ObservationFactory.build_batch(count, patient=patient, code=code)
    for index, observation in enumerate(batch):
        observation.effective_at = start + dt.timedelta(days=index)
    Observation.objects.bulk_create(batch, batch_size=500)


def add_reports(patient, count: int, *, values_each: int = 2) -> None:
    """`count` lab reports with `values_each` values each, written in a few statements."""
    now = timezone.now()
    reports = DiagnosticReportFactory.build_batch(count, patient=patient)
    for index, report in enumerate(reports):
        report.effective_at = now - dt.timedelta(days=index + 1)
    DiagnosticReport.objects.bulk_create(reports, batch_size=500)
    observations = ObservationFactory.build_batch(count * values_each, patient=patient)
    Observation.objects.bulk_create(observations, batch_size=500)
    DiagnosticReportResult.objects.bulk_create(
        [
            DiagnosticReportResult(
                report=reports[index // values_each],
                observation=observation,
                position=index % values_each,
            )
            for index, observation in enumerate(observations)
        ],
        batch_size=500,
    )


@pytest.fixture
def glucose():
    return {
        "code": "2345-7",
        "display": "Glucose",
        "value_quantity": 142.0,
        "value_unit": "mg/dL",
        "reference_low": 70.0,
        "reference_high": 99.0,
    }
