"""When a result reaches the patient: results held back for a delay per kind of test.

By default a result is released at once, as the 21st Century Cures Act expects. A clinic may hold
back results of one kind (say imaging, so a clinician can call first) with a ResultReleaseDelay row
in the admin. A report's release time is when it was issued (else when it was taken) plus the delay
of its kind; until then the patient and their proxies do not see it, nor the values it reports.
Staff see everything. Every filter here is one queryset condition, so a page costs the same
number of queries whatever the size of the record.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from lantern.access.policy import PatientAccess, visible_records
from lantern.audit.models import ActorRole
from lantern.clinical.models import DiagnosticReport, DiagnosticReportResult, Observation

from .models import ResultReleaseDelay

# The roles that see a result only once it is released; staff and the system see it at once.
HELD_FROM_ROLES = frozenset({ActorRole.SELF, ActorRole.PROXY})


def release_delays() -> dict[str, dt.timedelta]:
    """The delay of each kind of report that has one (one query; a handful of rows at most)."""
    return {
        kind: dt.timedelta(hours=hours)
        for kind, hours in ResultReleaseDelay.objects.filter(delay_hours__gt=0).values_list(
            "kind", "delay_hours"
        )
    }


def _held(delays: dict[str, dt.timedelta], *, now: dt.datetime, prefix: str = "") -> Q | None:
    """The condition "this report is still held" (None when nothing is held back)."""
    held: Q | None = None
    for kind, delay in sorted(delays.items()):
        cutoff = now - delay
        not_yet = Q(**{f"{prefix}issued_at__gt": cutoff}) | Q(
            **{f"{prefix}issued_at__isnull": True, f"{prefix}effective_at__gt": cutoff}
        )
        condition = Q(**{f"{prefix}kind": kind}) & not_yet
        held = condition if held is None else held | condition
    return held


def released_reports(
    access: PatientAccess, queryset: QuerySet[DiagnosticReport]
) -> QuerySet[DiagnosticReport]:
    """`queryset` without the reports still held back from this patient or proxy."""
    if access.role not in HELD_FROM_ROLES:
        return queryset
    held = _held(release_delays(), now=timezone.now())
    return queryset if held is None else queryset.exclude(held)


def released_observations(
    access: PatientAccess, queryset: QuerySet[Observation]
) -> QuerySet[Observation]:
    """`queryset` without the values that a report still held back from the patient lists."""
    if access.role not in HELD_FROM_ROLES:
        return queryset
    held = _held(release_delays(), now=timezone.now(), prefix="report__")
    if held is None:
        return queryset
    in_held_report = DiagnosticReportResult.objects.filter(observation=OuterRef("pk")).filter(held)
    return queryset.exclude(Exists(in_held_report))


def reports_on_hold(*, user) -> QuerySet[DiagnosticReport]:
    """Reports of the user's clinics' patients still held from the patient, soonest release first.

    Each report carries `release_at`, when the patient will see it.
    """
    delays = release_delays()
    held = _held(delays, now=timezone.now())
    if held is None:
        return DiagnosticReport.objects.none()
    release_at = Case(
        *[
            When(
                kind=kind,
                then=ExpressionWrapper(
                    Coalesce(F("issued_at"), F("effective_at")) + Value(delay),
                    output_field=DateTimeField(),
                ),
            )
            for kind, delay in sorted(delays.items())
        ],
        output_field=DateTimeField(),
    )
    return (
        visible_records(user, DiagnosticReport)
        .filter(held)
        .select_related("patient")
        .annotate(release_at=release_at)
        .order_by("release_at", "pk")
    )
