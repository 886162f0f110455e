"""Reads for the test results pages. Each takes the PatientAccess the view was granted."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from lantern.access.models import Section
from lantern.access.policy import (
    PatientAccess,
    access_template,
    access_values,
    object_get,
    object_get_statement,
    records_for,
)
from lantern.audit.models import ActorRole
from lantern.clinical.models import (
    DiagnosticReport,
    DiagnosticReportResult,
    Observation,
    ObservationCategory,
    Patient,
    ReportKind,
)
from lantern.core.statements import CountsStatement, Param, Statement, param_for

from . import flags
from .flags import Flag, StatusFields
from .models import ResultSeen
from .plain_names import codes_named
from .release import (
    in_no_report,
    release_shape,
    release_statement_values,
    release_template,
    release_values,
    released_observations,
    released_reports,
)

# A trend draws at most this many of the latest values, so the page stays the same size.
TREND_LIMIT = 200
# A report lists at most this many values; real panels have a few dozen at most.
REPORT_VALUES_LIMIT = 200
BLOOD_PRESSURE_CODE = "85354-9"
# Blood pressure is recorded as the panel 85354-9 or, by Synthea and many EHRs, as 55284-4: one
# trend shows both.
BLOOD_PRESSURE_CODES = (BLOOD_PRESSURE_CODE, "55284-4")
SYSTOLIC_CODE = "8480-6"
NOON = dt.time(12)
DIASTOLIC_CODE = "8462-4"


# How serious each status is, most serious first: a report is as serious as its worst value.
SEVERITY_ORDER = (
    flags.CRITICAL,
    flags.HIGH,
    flags.LOW,
    flags.ABNORMAL,
    flags.NO_RANGE,
    flags.NOT_FLAGGED,
    flags.NORMAL,
)


# The fields `flags.observation_status` reads.
STATUS_FIELDS = StatusFields._fields


# The columns of a row of the results list, in order: a report, or a lab value of no report.
RESULT_ROW_COLUMNS = (
    "result_type",
    "result_id",
    "name",
    "code",
    "result_kind",
    "taken_at",
    "added_at",
    "is_seen",
    "date_precisions",
)
REPORT_ROW = "report"
OBSERVATION_ROW = "observation"


@dataclass(frozen=True)
class ResultFilters:
    """The list's filters; the kind is applied by each side of the list on its own."""

    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    search: str = ""

    def apply(self, queryset: QuerySet) -> QuerySet:
        """Filter reports or observations by date taken and name (both have the same fields)."""
        if self.date_from:
            queryset = queryset.filter(effective_at__date__gte=self.date_from)
        if self.date_to:
            queryset = queryset.filter(effective_at__date__lte=self.date_to)
        if self.search:
            # The plain names count too: "blood sugar" finds "Glucose [Mass/volume] in ...".
            named = Q(display__icontains=self.search)
            if codes := codes_named(self.search):
                named |= Q(code__in=codes)
            queryset = queryset.filter(named)
        return queryset


def _filtered_reports(access: PatientAccess, filters: ResultFilters) -> QuerySet:
    reports = filters.apply(released_reports(access, records_for(access, DiagnosticReport)))
    return reports.filter(kind=filters.kind) if filters.kind else reports


def _filtered_observations(access: PatientAccess, filters: ResultFilters) -> QuerySet:
    observations = filters.apply(standalone_lab_observations(access=access))
    if filters.kind and filters.kind != ReportKind.LABORATORY:
        return observations.none()
    return observations


def report_rows(*, access: PatientAccess, filters: ResultFilters) -> QuerySet:
    """The patient's released reports as result rows, "new" worked out in SQL."""
    return (
        _filtered_reports(access, filters)
        .annotate(
            result_type=Value(REPORT_ROW, output_field=CharField()),
            result_id=F("pk"),
            name=F("display"),
            result_kind=F("kind"),
            taken_at=F("effective_at"),
            added_at=F("created_at"),
            is_seen=Exists(ResultSeen.objects.filter(user=access.user, report=OuterRef("pk"))),
        )
        .values(*RESULT_ROW_COLUMNS)
    )


def standalone_lab_observations(*, access: PatientAccess) -> QuerySet[Observation]:
    """The patient's released lab values that belong to no report: results of their own."""
    return released_observations(access, records_for(access, Observation)).filter(
        in_no_report(), category=ObservationCategory.LABORATORY
    )


def observation_rows(*, access: PatientAccess, filters: ResultFilters) -> QuerySet:
    """The lab values of no report as result rows, with the same columns as `report_rows`."""
    return (
        _filtered_observations(access, filters)
        .annotate(
            result_type=Value(OBSERVATION_ROW, output_field=CharField()),
            result_id=F("pk"),
            name=F("display"),
            result_kind=Value(ReportKind.LABORATORY.value, output_field=CharField()),
            taken_at=F("effective_at"),
            added_at=F("created_at"),
            is_seen=Exists(ResultSeen.objects.filter(user=access.user, observation=OuterRef("pk"))),
        )
        .values(*RESULT_ROW_COLUMNS)
    )


def results_for_patient(
    *,
    access: PatientAccess,
    kind: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    search: str = "",
) -> QuerySet:
    """The patient's results, newest first: reports and lab values of no report, as row dicts.

    One UNION query of two selects with the same columns, so the database orders and pages
    them together and a page costs the same whatever the size of the record.
    """
    filters = ResultFilters(kind=kind, date_from=date_from, date_to=date_to, search=search)
    reports = report_rows(access=access, filters=filters)
    observations = observation_rows(access=access, filters=filters)
    return reports.union(observations, all=True).order_by(
        F("taken_at").desc(nulls_last=True), "-added_at", "-result_id"
    )


def results_count(
    *,
    access: PatientAccess,
    kind: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    search: str = "",
) -> int:
    """How many rows `results_for_patient` gives for the same filters, in two plain counts (one
    query without filters): far cheaper to build than counting the UNION with its status
    columns (the list's pages)."""
    filters = ResultFilters(kind=kind, date_from=date_from, date_to=date_to, search=search)
    if filters == ResultFilters():
        counts = _RESULTS_COUNT.run(release_shape(access), None, **release_statement_values(access))
        return sum(counts.values())
    observations = _filtered_observations(access, filters)
    return _filtered_reports(access, filters).count() + observations.count()


def unseen_reports(access: PatientAccess) -> QuerySet:
    """The patient's released reports this account has not opened (for a count)."""
    return released_reports(access, records_for(access, DiagnosticReport)).exclude(
        Exists(ResultSeen.objects.filter(user=access.user, report=OuterRef("pk")))
    )


def unseen_values(access: PatientAccess) -> QuerySet:
    """The patient's released lab values of no report this account has not opened."""
    return standalone_lab_observations(access=access).exclude(
        Exists(ResultSeen.objects.filter(user=access.user, observation=OuterRef("pk")))
    )


# The results list's and the home page's queries, built once per process
# (lantern/core/statements.py); the home page counts new results with its other counts
# (`home.selectors.home_counts`).
_RESULTS_SLICE = Statement(
    lambda start, stop, *shape: results_for_patient(access=release_template(*shape))[start:stop]
)
_RESULTS_COUNT = CountsStatement(
    lambda *shape: {
        "reports": _filtered_reports(release_template(*shape), ResultFilters()),
        "values": _filtered_observations(release_template(*shape), ResultFilters()),
    }
)


def newest_results(*, access: PatientAccess, limit: int) -> list[dict]:
    """The first `limit` rows of `results_for_patient` without filters (the home page's)."""
    return _RESULTS_SLICE.rows(
        (0, limit, *release_shape(access)), **release_statement_values(access)
    )


class UnfilteredResults:
    """`results_for_patient` without filters as a paginator slices it: each slice is one
    statement (the list's usual pages: the first, and the next few)."""

    ordered = True

    def __init__(self, access: PatientAccess) -> None:
        self.access = access

    def __getitem__(self, index: slice) -> list[dict]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("Only slices of the results list are read.")
        return _RESULTS_SLICE.rows(
            (index.start or 0, index.stop, *release_shape(self.access)),
            **release_statement_values(self.access),
        )

    def count(self) -> int:
        return results_count(access=self.access)


def result_rows(
    *,
    access: PatientAccess,
    kind: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    search: str = "",
) -> QuerySet | UnfilteredResults:
    """The results list's rows: `results_for_patient`, read by statements when unfiltered."""
    if not (kind or date_from or date_to or search):
        return UnfilteredResults(access)
    return results_for_patient(
        access=access, kind=kind, date_from=date_from, date_to=date_to, search=search
    )


def _of_people(model: type, count: int) -> QuerySet:
    """`model`'s records of `count` people for a statement: those `people_for` granted, each
    opening their results (as `records_for_people` keeps them), their patient keys the `Param`s
    "patient0", "patient1"..."""
    patients = [Param(f"patient{index}", Patient._meta.pk) for index in range(count)]
    return model.objects.filter(patient__pk__in=patients)


def _unseen_reports_of(count: int, *shape: Any) -> QuerySet:
    access = release_template(*shape)
    reports = _of_people(DiagnosticReport, count)
    return (
        _unseen_in(access, released_reports(access, reports), "report")
        .order_by()
        .values("patient_id")
        .annotate(new=Count("pk"))
    )


def _unseen_values_of(count: int, *shape: Any) -> QuerySet:
    access = release_template(*shape)
    standalone = released_observations(access, _of_people(Observation, count)).filter(
        in_no_report(), category=ObservationCategory.LABORATORY
    )
    return (
        _unseen_in(access, standalone, "observation")
        .order_by()
        .values("patient_id")
        .annotate(new=Count("pk"))
    )


def _unseen_in(access: PatientAccess, queryset: QuerySet, kind: str) -> QuerySet:
    return queryset.exclude(
        Exists(ResultSeen.objects.filter(user=access.user, **{kind: OuterRef("pk")}))
    )


# The counts of the people an account cares for, one query built once per process
# (lantern/core/statements.py); its shape: how many people, and the `release_shape`.
_UNSEEN_OF = Statement(
    lambda count, *shape: _unseen_reports_of(count, *shape).union(
        _unseen_values_of(count, *shape), all=True
    )
)


def new_results_counts(*, accesses: list[PatientAccess]) -> dict[Any, int]:
    """How many results of each person this account has not opened yet (released ones only),
    several people at once, by patient id, in one query (a grouped
    count of reports and one of values); only the people whose access opens their results are
    counted."""
    opened = [access for access in accesses if access.may(Section.RESULTS)]
    if not opened:
        return {}
    # Every access here is the account's own or a proxy's: results are held back alike.
    sample = opened[0]
    shape = (len(opened), *release_shape(sample))
    values = {
        "user": sample.user.pk,
        **release_values(sample),
        **{f"patient{index}": access.patient.pk for index, access in enumerate(opened)},
    }
    counts: dict[Any, int] = {}
    for row in _UNSEEN_OF.rows(shape, **values):
        counts[row["patient_id"]] = counts.get(row["patient_id"], 0) + row["new"]
    return counts


def most_serious(statuses: Iterable[Flag]) -> Flag | None:
    """The most serious of the statuses; None when there are none (a report with no values)."""
    return min(statuses, key=_severity_rank, default=None)


# Each status's place in SEVERITY_ORDER, by its tag (one per status): comparing the statuses
# themselves would word each of them (their words are lazy translations), for every value of
# every report on the page.
SEVERITY_RANK = {flag.tag_class: rank for rank, flag in enumerate(SEVERITY_ORDER)}


def _severity_rank(flag: Flag) -> int:
    return SEVERITY_RANK[flag.tag_class]


def _value_statuses(count: int) -> QuerySet:
    access = access_template(ActorRole.SELF)
    ids = [Param(f"id{index}", Observation._meta.pk) for index in range(count)]
    return records_for(access, Observation).filter(pk__in=ids).values_list("pk", *STATUS_FIELDS)


def _report_statuses(count: int) -> QuerySet:
    access = access_template(ActorRole.SELF)
    ids = [Param(f"id{index}", DiagnosticReport._meta.pk) for index in range(count)]
    return (
        DiagnosticReportResult.objects.filter(
            report__id__in=ids, observation__patient=access.patient
        )
        .order_by()
        .values_list("report_id", *(f"observation__{name}" for name in STATUS_FIELDS))[
            : count * REPORT_VALUES_LIMIT
        ]
    )


# The statuses of a page of rows, by the number of rows of each kind (at most a page's).
_VALUE_STATUSES = Statement(_value_statuses)
_REPORT_STATUSES = Statement(_report_statuses)


def rows_with_status(*, access: PatientAccess, rows: Iterable[dict]) -> list[dict]:
    """One page of result rows, each given its "status", in at most two small queries.

    A value's status is `flags.observation_status`, the decision every page and the PDF use;
    a report takes its most serious value's ("Normal" only when every value is known to be
    normal), and None ("See comment") when it lists no values. Only the page's rows are read,
    so the cost does not grow with the record.
    """
    rows = [dict(row) for row in rows]
    report_ids = [row["result_id"] for row in rows if row["result_type"] == REPORT_ROW]
    value_ids = [row["result_id"] for row in rows if row["result_type"] == OBSERVATION_ROW]
    statuses: dict[Any, Flag | None] = {}
    values = access_values(access)
    if value_ids:
        values.update((f"id{index}", value_id) for index, value_id in enumerate(value_ids))
        statuses.update(
            (value_id, flags.observation_status(StatusFields(*fields)))
            for value_id, *fields in _VALUE_STATUSES.tuples((len(value_ids),), **values)
        )
    if report_ids:
        values.update((f"id{index}", report_id) for index, report_id in enumerate(report_ids))
        links = _REPORT_STATUSES.tuples((len(report_ids),), **values)
        by_report: dict[Any, list[Flag]] = {}
        for report_id, *fields in links:
            by_report.setdefault(report_id, []).append(
                flags.observation_status(StatusFields(*fields))
            )
        statuses.update(
            (report_id, most_serious(by_report.get(report_id, []))) for report_id in report_ids
        )
    for row in rows:
        row["status"] = statuses.get(row["result_id"])
    return rows


@dataclass(frozen=True)
class ResultValue:
    """One value of a report as the result page shows it."""

    observation: Observation
    flag: Flag
    range_words: str
    has_trend: bool = False


@dataclass(frozen=True)
class ResultDetail:
    report: DiagnosticReport
    values: list[ResultValue]
    ordered_by: str
    # Whether this account had opened the report before (then nothing needs remembering).
    seen_before: bool = False


def _report(*shape: Any) -> QuerySet[DiagnosticReport]:
    access = release_template(*shape)
    return (
        released_reports(access, records_for(access, DiagnosticReport))
        .select_related("performer", "encounter__practitioner")
        .annotate(
            seen_before=Exists(ResultSeen.objects.filter(user=access.user, report=OuterRef("pk")))
        )
        .filter(pk=Param("id", DiagnosticReport._meta.pk))
        .order_by()[:1]
    )


def _codes_with_trends(count: int, *shape: Any) -> QuerySet:
    access = release_template(*shape)
    codes = [Param(f"code{index}", Observation._meta.get_field("code")) for index in range(count)]
    return (
        released_observations(access, records_for(access, Observation))
        .filter(code__in=codes)
        .values("code")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .values_list("code")
    )


# The result page's queries, built once per process (lantern/core/statements.py).
_REPORT = Statement(_report)
_REPORT_VALUES = Statement(
    lambda: (
        DiagnosticReportResult.objects.filter(report=param_for(DiagnosticReportResult, "report"))
        .select_related("observation__performer")
        .order_by("position")[:REPORT_VALUES_LIMIT]
    )
)
_CODES_WITH_TRENDS = Statement(_codes_with_trends)


def result_detail(*, access: PatientAccess, report_id: uuid.UUID) -> ResultDetail:
    """One report with its values in order, audited as seen; another patient's is "not found"."""
    shape = release_shape(access)
    statement_values = release_statement_values(access)
    report = object_get_statement(
        access,
        _REPORT,
        report_id,
        model=DiagnosticReport,
        shape=shape,
        values=statement_values,
    )
    links = _REPORT_VALUES.objects(report=report.pk)
    observations = [link.observation for link in links]
    codes = sorted({observation.code for observation in observations if observation.code})
    statement_values.update((f"code{index}", code) for index, code in enumerate(codes))
    with_trends = (
        {code for (code,) in _CODES_WITH_TRENDS.tuples((len(codes), *shape), **statement_values)}
        if codes
        else set()
    )
    values = [
        ResultValue(
            observation=observation,
            flag=flags.observation_status(observation),
            range_words=flags.range_in_words(observation),
            has_trend=observation.code in with_trends,
        )
        for observation in observations
    ]
    practitioner = report.performer or (report.encounter.practitioner if report.encounter else None)
    return ResultDetail(
        report=report,
        values=values,
        ordered_by=practitioner.display_name if practitioner else "",
        seen_before=report.seen_before,
    )


@dataclass(frozen=True)
class ObservationDetail:
    """A lab value of no report, as its own result page shows it."""

    value: ResultValue
    ordered_by: str

    @property
    def observation(self) -> Observation:
        return self.value.observation

    @property
    def value_words(self) -> str:
        return flags.value_in_words(self.value.observation)


def observation_detail(*, access: PatientAccess, observation_id: uuid.UUID) -> ObservationDetail:
    """One released value of the patient, audited as seen; another patient's, or one still held,
    is "not found"."""
    released = released_observations(access, records_for(access, Observation))
    observation = object_get(
        access, released.select_related("performer", "encounter__practitioner"), observation_id
    )
    has_trend = bool(
        observation.code
        and released.filter(code=observation.code).exclude(pk=observation.pk).exists()
    )
    encounter = observation.encounter
    practitioner = (encounter.practitioner if encounter else None) or observation.performer
    return ObservationDetail(
        value=ResultValue(
            observation=observation,
            flag=flags.observation_status(observation),
            range_words=flags.range_in_words(observation),
            has_trend=has_trend,
        ),
        ordered_by=practitioner.display_name if practitioner else "",
    )


@dataclass(frozen=True)
class TrendPoint:
    observation: Observation
    # Where the value is drawn; for a date given without a time, noon of that day here.
    taken_at: dt.datetime | None
    value: float | None
    systolic: float | None
    diastolic: float | None
    flag: Flag
    # "year", "month" or "day" when the source gave the date without a time.
    precision: str | None = None


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


def _pressure(observation: Observation, code: str) -> float | None:
    """A blood pressure part in whole mmHg, as it is written (Synthea records 79.594...)."""
    value = _component_value(observation, code)
    return None if value is None else float(flags.pressure_number(value))


def _drawn_at(observation: Observation) -> dt.datetime | None:
    """When a value is drawn on a trend: its instant, or for a date its source gave without a
    time (stored at midnight UTC of that day) noon of the same day in the clinic's time zone,
    so the chart never draws or labels it on the day before."""
    taken_at = observation.effective_at
    if taken_at is None or not (observation.date_precisions or {}).get("effective_at"):
        return taken_at
    return timezone.make_aware(dt.datetime.combine(taken_at.astimezone(dt.UTC).date(), NOON))


def trend_for_code(*, access: PatientAccess, code: str) -> Trend:
    """The latest values of one test, oldest first, with the most recent normal range."""
    latest = list(
        released_observations(access, records_for(access, Observation))
        .filter(
            code__in=BLOOD_PRESSURE_CODES if code in BLOOD_PRESSURE_CODES else [code],
            effective_at__isnull=False,
        )
        .order_by("-effective_at")[:TREND_LIMIT]
    )
    latest.reverse()
    points = [
        TrendPoint(
            observation=observation,
            taken_at=_drawn_at(observation),
            value=observation.value_quantity,
            systolic=_pressure(observation, SYSTOLIC_CODE),
            diastolic=_pressure(observation, DIASTOLIC_CODE),
            flag=flags.observation_status(observation),
            precision=(observation.date_precisions or {}).get("effective_at"),
        )
        for observation in latest
    ]
    newest = latest[-1] if latest else None
    is_blood_pressure = code in BLOOD_PRESSURE_CODES or any(
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
