"""Writes for the test results pages."""

from __future__ import annotations

from django.utils import timezone

from lantern.access.policy import PatientAccess
from lantern.clinical.models import DiagnosticReport

from .models import ResultSeen


def result_seen_record(*, access: PatientAccess, report: DiagnosticReport) -> None:
    """Remember that the account opened the result (one statement, whether new or not)."""
    ResultSeen.objects.bulk_create(
        [ResultSeen(user=access.user, report=report, seen_at=timezone.now())],
        ignore_conflicts=True,
    )
