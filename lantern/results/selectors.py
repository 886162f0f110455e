"""Reads for the test results pages. Each takes the PatientAccess the view was granted."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404

from lantern.access.policy import PatientAccess, records_for
from lantern.clinical.models import DiagnosticReport, DiagnosticReportResult, Observation

from . import flags
from .flags import Flag
from .models import ResultSeen
from .release import released_observations, released_reports

# A trend draws at most this many of the latest values, so the page stays the same size.
TREND_LIMIT = 200
# A report lists at most this many values; real panels have a few dozen at most.
REPORT_VALUES_LIMIT = 200
BLOOD_PRESSURE_CODE = "85354-9"
SYSTOLIC_CODE = "8480-6"
DIASTOLIC_CODE = "8462-4"


def _values_matching(condition: Q) -> Exists:
    """Whether the report lists a value that meets `condition` (on the observation)."""
    return Exists(DiagnosticReportResult.objects.filter(report=OuterRef("pk")).filter(condition))


def _interpretation_in(codes: frozenset[str]) -> Q:
    return Q(observation__interpretation__in=sorted(codes))


_NO_INTERPRETATION = Q(observation__interpretation="")
_ABOVE_RANGE = _NO_INTERPRETATION & Q(
    observation__value_quantity__gt=F("observation__reference_high")
)
_BELOW_RANGE = _NO_INTERPRETATION & Q(
    observation__value_quantity__lt=F("observation__reference_low")
)


def results_for_patient(
    *,
    access: PatientAccess,
    kind: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    search: str = "",
) -> QuerySet[DiagnosticReport]:
    """The patient's reports, newest first, each with its status and "new" worked out in SQL."""
    reports = released_reports(access, records_for(access, DiagnosticReport))
    if kind:
        reports = reports.filter(kind=kind)
    if date_from:
        reports = reports.filter(effective_at__date__gte=date_from)
    if date_to:
        reports = reports.filter(effective_at__date__lte=date_to)
    if search:
        reports = reports.filter(display__icontains=search)
    return reports.annotate(
        is_seen=Exists(ResultSeen.objects.filter(user=access.user, report=OuterRef("pk"))),
        has_critical=_values_matching(_interpretation_in(flags.CRITICAL_CODES)),
        has_high=_values_matching(_interpretation_in(flags.HIGH_CODES) | _ABOVE_RANGE),
        has_low=_values_matching(_interpretation_in(flags.LOW_CODES) | _BELOW_RANGE),
        has_abnormal=_values_matching(_interpretation_in(flags.ABNORMAL_CODES)),
        has_values=_values_matching(Q()),
    ).order_by(F("effective_at").desc(nulls_last=True), "-created_at")


def report_status(report: DiagnosticReport) -> Flag | None:
    """The one-word status of an annotated report; None means "See comment" (no values)."""
    if report.has_critical:
        return flags.CRITICAL
    if report.has_high:
        return flags.HIGH
    if report.has_low:
        return flags.LOW
    if report.has_abnormal:
        return flags.ABNORMAL
    if report.has_values:
        return flags.NORMAL
    return None


@dataclass(frozen=True)
class ResultValue:
    """One value of a report as the result page shows it."""

    observation: Observation
    flag: Flag | None
    range_words: str
    components: list[dict] = field(default_factory=list)
    has_trend: bool = False


@dataclass(frozen=True)
class ResultDetail:
    report: DiagnosticReport
    values: list[ResultValue]
    ordered_by: str


def _component_rows(observation: Observation) -> list[dict]:
    rows = []
    for component in observation.components or []:
        if not isinstance(component, dict):
            continue
        code = component.get("code", "")
        name = {SYSTOLIC_CODE: "Systolic", DIASTOLIC_CODE: "Diastolic"}.get(code) or component.get(
            "display", ""
        )
        value = component.get("value")
        rows.append(
            {
                "name": name,
                "value": flags.number(value) if isinstance(value, int | float) else "",
                "unit": flags.unit_words(str(component.get("unit", ""))),
            }
        )
    return rows


def result_detail(*, access: PatientAccess, report_id: uuid.UUID) -> ResultDetail:
    """One report with its values in order; a report of another patient is "not found"."""
    report = (
        released_reports(access, records_for(access, DiagnosticReport))
        .select_related("performer", "encounter__practitioner")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise Http404
    links = (
        DiagnosticReportResult.objects.filter(report=report)
        .select_related("observation__performer")
        .order_by("position")[:REPORT_VALUES_LIMIT]
    )
    observations = [link.observation for link in links]
    codes = {observation.code for observation in observations if observation.code}
    with_trends = (
        set(
            released_observations(access, records_for(access, Observation))
            .filter(code__in=codes)
            .values("code")
            .annotate(count=Count("pk"))
            .filter(count__gt=1)
            .values_list("code", flat=True)
        )
        if codes
        else set()
    )
    values = [
        ResultValue(
            observation=observation,
            flag=flags.observation_flag(observation),
            range_words=flags.range_in_words(observation),
            components=_component_rows(observation),
            has_trend=observation.code in with_trends,
        )
        for observation in observations
    ]
    practitioner = report.performer or (report.encounter.practitioner if report.encounter else None)
    return ResultDetail(
        report=report,
        values=values,
        ordered_by=practitioner.display_name if practitioner else "",
    )


@dataclass(frozen=True)
class TrendPoint:
    observation: Observation
    taken_at: dt.datetime | None
    value: float | None
    systolic: float | None
    diastolic: float | None
    flag: Flag | None


@dataclass(frozen=True)
class Trend:
    code: str
    name: str
    unit: str
    points: list[TrendPoint]
    low: float | None
    high: float | None
    is_blood_pressure: bool


def _component_value(observation: Observation, code: str) -> float | None:
    for component in observation.components or []:
        if isinstance(component, dict) and component.get("code") == code:
            value = component.get("value")
            return float(value) if isinstance(value, int | float) else None
    return None


def trend_for_code(*, access: PatientAccess, code: str) -> Trend:
    """The latest values of one test, oldest first, with the most recent normal range."""
    latest = list(
        released_observations(access, records_for(access, Observation))
        .filter(code=code, effective_at__isnull=False)
        .order_by("-effective_at")[:TREND_LIMIT]
    )
    latest.reverse()
    points = [
        TrendPoint(
            observation=observation,
            taken_at=observation.effective_at,
            value=observation.value_quantity,
            systolic=_component_value(observation, SYSTOLIC_CODE),
            diastolic=_component_value(observation, DIASTOLIC_CODE),
            flag=flags.observation_flag(observation),
        )
        for observation in latest
    ]
    newest = latest[-1] if latest else None
    is_blood_pressure = code == BLOOD_PRESSURE_CODE or any(
        point.systolic is not None for point in points
    )
    return Trend(
        code=code,
        name=newest.display if newest else "",
        unit=flags.unit_words(newest.value_unit) or _bp_unit(newest) if newest else "",
        points=points,
        low=newest.reference_low if newest else None,
        high=newest.reference_high if newest else None,
        is_blood_pressure=is_blood_pressure,
    )


def _bp_unit(observation: Observation) -> str:
    for component in observation.components or []:
        if isinstance(component, dict) and component.get("unit"):
            return flags.unit_words(str(component["unit"]))
    return ""
