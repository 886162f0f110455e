"""Builders for the home page tests: results and visits, in bulk where volume matters."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lantern.clinical.models import (
    DiagnosticReport,
    DiagnosticReportResult,
    Encounter,
    Observation,
)
from lantern.testing.factories import DiagnosticReportFactory, EncounterFactory, ObservationFactory


def make_report(patient, *, days_ago: int = 0, **fields) -> DiagnosticReport:
    """One report with one value, taken `days_ago` days ago."""
    when = timezone.now() - dt.timedelta(days=days_ago)
    if "display" in fields:
        # A report named in the test keeps that name: no code whose plain name would show first.
        fields.setdefault("code", "")
    report = DiagnosticReportFactory(patient=patient, effective_at=when, **fields)
    observation = ObservationFactory(patient=patient, effective_at=when)
    DiagnosticReportResult.objects.create(report=report, observation=observation, position=0)
    return report


def make_visit(patient, *, days_ago: int = 0, **fields) -> Encounter:
    return EncounterFactory(
        patient=patient, period_start=timezone.now() - dt.timedelta(days=days_ago), **fields
    )


def add_record(patient, *, observations: int, reports: int, visits: int) -> None:
    """A record of the given size, written in a few statements."""
    now = timezone.now()
    batch = ObservationFactory.build_batch(observations, patient=patient)
    for index, observation in enumerate(batch):
        observation.effective_at = now - dt.timedelta(hours=index)
    Observation.objects.bulk_create(batch, batch_size=500)
    report_batch = DiagnosticReportFactory.build_batch(reports, patient=patient)
    for index, report in enumerate(report_batch):
        report.effective_at = now - dt.timedelta(days=index + 1)
    DiagnosticReport.objects.bulk_create(report_batch, batch_size=500)
    DiagnosticReportResult.objects.bulk_create(
        [
            DiagnosticReportResult(report=report, observation=observation, position=0)
            for report, observation in zip(report_batch, batch, strict=False)
        ],
        batch_size=500,
    )
    visit_batch = EncounterFactory.build_batch(visits, patient=patient)
    for index, visit in enumerate(visit_batch):
        visit.period_start = now - dt.timedelta(days=index + 2)
    Encounter.objects.bulk_create(visit_batch, batch_size=500)
