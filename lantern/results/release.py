"""When a result reaches the patient: results held back for a delay per kind of test.

By default a result is released at once, as the 21st Century Cures Act expects. A clinic may hold
back results of one kind (say imaging, so a clinician can call first) with a ResultReleaseDelay row
in the admin. A report's release time is when it was issued (else when it was taken) plus the delay
of its kind; until then the patient and their proxies do not see it, nor the values it reports.
A lab value that belongs to no report is a laboratory result of its own and waits the same way.
Who waits is the policy's decision (`policy.waits_for_result_release`): staff see everything.
Every filter here is one queryset condition, so a page costs the same
number of queries whatever the size of the record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connections, router
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

from lantern.access.models import Section
from lantern.access.policy import (
    PatientAccess,
    access_template,
    access_values,
    is_access_template,
    visible_records,
    waits_for_result_release,
)
from lantern.audit.models import ActorRole
from lantern.clinical.models import (
    DiagnosticReport,
    DiagnosticReportResult,
    Observation,
    ObservationCategory,
    ReportKind,
)
from lantern.core.statements import Param

from .models import ResultReleaseDelay

# The statement `release_delays` runs, compiled once per database.
_delay_statements: dict[str, tuple[str, tuple]] = {}


def release_delays() -> dict[str, dt.timedelta]:
    """The delay of each kind of report that has one (one query; a handful of rows at most).

    Every page of results and every API read of them asks, so the ORM's statement is compiled
    once per database and then only run (building it cost more than running it).
    """
    alias = router.db_for_read(ResultReleaseDelay)
    statement = _delay_statements.get(alias)
    if statement is None:
        query = ResultReleaseDelay.objects.filter(delay_hours__gt=0).values_list(
            "kind", "delay_hours"
        )
        statement = _delay_statements[alias] = query.query.get_compiler(using=alias).as_sql()
    with connections[alias].cursor() as cursor:
        cursor.execute(*statement)
        return {kind: dt.timedelta(hours=hours) for kind, hours in cursor.fetchall()}


def _delays_for(access: PatientAccess) -> dict[str, dt.timedelta]:
    """The release delays, read once per request for this access."""
    memo = access.request_memo
    if "release_delays" not in memo:
        memo["release_delays"] = release_delays()
    return memo["release_delays"]


def _cutoffs(access: PatientAccess, delays: dict[str, dt.timedelta]) -> dict[str, Any]:
    """For each kind held back, the moment before which a result of that kind is released: now
    minus its delay, or a statement's `Param` ("cutoff_<kind>", see `release_values`) when the
    access is a statement's template."""
    if is_access_template(access):
        return {kind: Param(f"cutoff_{kind}", DateTimeField()) for kind in delays}
    now = timezone.now()
    return {kind: now - delay for kind, delay in delays.items()}


def release_shape(access: PatientAccess) -> tuple[bool, tuple[str, ...]]:
    """What changes the form of a statement over released results: whether this access waits
    for release, and which kinds are held back (see `release_values` for their moments)."""
    if not waits_for_result_release(access):
        return (False, ())
    return (True, tuple(sorted(_delays_for(access))))


def release_values(access: PatientAccess) -> dict[str, dt.datetime]:
    """The values of the cutoff `Param`s of a statement built with `release_shape`."""
    if not waits_for_result_release(access):
        return {}
    now = timezone.now()
    return {f"cutoff_{kind}": now - delay for kind, delay in _delays_for(access).items()}


def release_template(waits: bool, kinds: tuple[str, ...]) -> PatientAccess:
    """The access a statement over released results is built with, for a `release_shape`."""
    return access_template(
        ActorRole.SELF if waits else ActorRole.STAFF,
        memo={"release_delays": dict.fromkeys(kinds, dt.timedelta(0))},
    )


def release_statement_values(access: PatientAccess) -> dict[str, Any]:
    """The values a statement built with `release_template` is run with for this access."""
    return {**access_values(access), **release_values(access)}


def _held(cutoffs: dict[str, Any], *, prefix: str = "") -> Q | None:
    """The condition "this report is still held" (None when nothing is held back)."""
    held: Q | None = None
    for kind, cutoff in sorted(cutoffs.items()):
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
    if not waits_for_result_release(access):
        return queryset
    held = _held(_cutoffs(access, _delays_for(access)))
    return queryset if held is None else queryset.exclude(held)


def in_no_report() -> Exists:
    """The condition "this observation belongs to no report" (for Observation querysets)."""
    return ~Exists(DiagnosticReportResult.objects.filter(observation=OuterRef("pk")))


def _held_standalone(cutoffs: dict[str, Any]) -> Q | None:
    """The condition "this lab value of no report is still held" (None when labs are not held)."""
    cutoff = cutoffs.get(ReportKind.LABORATORY)
    if cutoff is None:
        return None
    not_yet = Q(issued_at__gt=cutoff) | Q(issued_at__isnull=True, effective_at__gt=cutoff)
    return Q(category=ObservationCategory.LABORATORY) & in_no_report() & not_yet


def released_observations(
    access: PatientAccess, queryset: QuerySet[Observation]
) -> QuerySet[Observation]:
    """`queryset` without the values still held back from this patient or proxy.

    A value is held when a report still held lists it, or when it is a lab value of no report
    still within the laboratory delay.
    """
    if not waits_for_result_release(access):
        return queryset
    cutoffs = _cutoffs(access, _delays_for(access))
    held = _held(cutoffs, prefix="report__")
    if held is not None:
        in_held_report = DiagnosticReportResult.objects.filter(observation=OuterRef("pk")).filter(
            held
        )
        queryset = queryset.exclude(Exists(in_held_report))
    held_standalone = _held_standalone(cutoffs)
    if held_standalone is not None:
        queryset = queryset.exclude(held_standalone)
    return queryset


def observations_on_hold(
    *, user, delays: dict[str, dt.timedelta] | None = None
) -> QuerySet[Observation]:
    """Lab values of no report, of the user's clinics' patients, still held from the patient.

    Each carries `release_at`; soonest release first. (The staff queue lists reports; this is
    the same for the results that have no report.) `delays`: `release_delays()`, when already
    read.
    """
    delays = release_delays() if delays is None else delays
    now = timezone.now()
    held = _held_standalone({kind: now - delay for kind, delay in delays.items()})
    if held is None:
        return Observation.objects.none()
    release_at = ExpressionWrapper(
        Coalesce(F("issued_at"), F("effective_at")) + Value(delays[ReportKind.LABORATORY]),
        output_field=DateTimeField(),
    )
    return (
        visible_records(user, Observation, section=Section.RESULTS)
        .filter(held)
        .select_related("patient")
        .annotate(release_at=release_at)
        .order_by("release_at", "pk")
    )


def reports_on_hold(
    *, user, delays: dict[str, dt.timedelta] | None = None
) -> QuerySet[DiagnosticReport]:
    """Reports of the user's clinics' patients still held from the patient, soonest release first.

    Each report carries `release_at`, when the patient will see it. `delays`: `release_delays()`,
    when already read.
    """
    delays = release_delays() if delays is None else delays
    now = timezone.now()
    held = _held({kind: now - delay for kind, delay in delays.items()})
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
        visible_records(user, DiagnosticReport, section=Section.RESULTS)
        .filter(held)
        .select_related("patient")
        .annotate(release_at=release_at)
        .order_by("release_at", "pk")
    )
