"""Shaping selector results for the templates: grouping by date, statuses, the trend chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import SafeString

from lantern.clinical.models import DiagnosticReport

from .charts import ChartPoint, Series, line_chart_svg
from .flags import Flag, number
from .selectors import Trend, report_status


@dataclass(frozen=True)
class ListedResult:
    report: DiagnosticReport
    status: Flag | None
    is_new: bool


@dataclass(frozen=True)
class DateGroup:
    date: dt.date | None
    results: list[ListedResult]


def results_by_date(reports: Iterable[DiagnosticReport]) -> list[DateGroup]:
    """The page's reports grouped by the local date they were taken, keeping their order."""
    groups: list[DateGroup] = []
    for report in reports:
        day = timezone.localdate(report.effective_at) if report.effective_at else None
        if not groups or groups[-1].date != day:
            groups.append(DateGroup(date=day, results=[]))
        groups[-1].results.append(
            ListedResult(report=report, status=report_status(report), is_new=not report.is_seen)
        )
    return groups


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%b %-d, %Y")


def trend_chart(trend: Trend) -> SafeString | str:
    """The chart for a trend with at least two values; "" when there is too little to draw."""
    unit = f" {trend.unit}" if trend.unit else ""
    if trend.is_blood_pressure:
        series = [
            Series(
                name=name,
                points=[
                    ChartPoint(
                        at=p.taken_at,
                        value=getattr(p, attribute),
                        label=(
                            f"{name} {number(getattr(p, attribute))}{unit} on {_when(p.taken_at)}"
                        ),
                    )
                    for p in trend.points
                    if getattr(p, attribute) is not None
                ],
            )
            for name, attribute in (("Systolic", "systolic"), ("Diastolic", "diastolic"))
        ]
    else:
        series = [
            Series(
                name=trend.name,
                points=[
                    ChartPoint(
                        at=p.taken_at,
                        value=p.value,
                        label=f"{number(p.value)}{unit} on {_when(p.taken_at)}",
                    )
                    for p in trend.points
                    if p.value is not None
                ],
            )
        ]
    if sum(len(one.points) for one in series) < 2:
        return ""
    if trend.low is not None and trend.high is not None:
        band_words = f" The shaded band is the normal range, {number(trend.low)} to "
        band_words += f"{number(trend.high)}{unit}."
    else:
        band_words = ""
    first, last = trend.points[0].taken_at, trend.points[-1].taken_at
    return line_chart_svg(
        title=f"{trend.name} over time",
        description=(
            f"{len(trend.points)} values from {_when(first)} to {_when(last)}.{band_words} "
            "The same values are listed in the table below."
        ),
        series=series,
        band=(trend.low, trend.high),
    )
