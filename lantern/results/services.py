"""Writes for the test results pages."""

from __future__ import annotations

from django.utils import timezone

from lantern.access.policy import PatientAccess
from lantern.clinical.models import DiagnosticReport, Observation

from .models import ResultSeen


def result_seen_record(*, access: PatientAccess, report: DiagnosticReport) -> None:
    """Remember that the account opened the result (one statement, whether new or not)."""
    ResultSeen.objects.bulk_create(
        [ResultSeen(user=access.user, report=report, seen_at=timezone.now())],
        ignore_conflicts=True,
    )


def observation_seen_record(*, access: PatientAccess, observation: Observation) -> None:
    """Remember that the account opened a lab value of no report (one statement)."""
    ResultSeen.objects.bulk_create(
        [ResultSeen(user=access.user, observation=observation, seen_at=timezone.now())],
        ignore_conflicts=True,
    )
