"""Shaping selector results for the templates: grouping by date, statuses, the trend chart."""

from __future__ import annotations

import datetime as dt
import functools
import html
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from lantern.clinical.models import ReportKind
from lantern.core.reversing import kept_reverse
from lantern.core.row_patterns import new_tag, pattern_words

from .body_units import us_words, us_words_beside
from .charts import ChartPoint, Series, line_chart_svg
from .flags import (
    Flag,
    component_rows_in_words,
    flag_tag,
    number,
    observation_number,
    recorded_number,
    unit_words,
    value_in_words,
)
from .plain_names import names_for, names_of
from .selectors import OBSERVATION_ROW, REPORT_ROW, ResultDetail, ResultValue, Trend, TrendPoint
from .templatetags.lantern_dates import partial_day, recorded_day

# A report's kind in the page's language (the model's labels are the staff pages' English).
KIND_WORDS = {
    ReportKind.LABORATORY: gettext_lazy("Lab"),
    ReportKind.IMAGING: gettext_lazy("Imaging"),
    ReportKind.OTHER: gettext_lazy("Other"),
}


def kind_words(kind: str) -> str:
    """ "Lab", "Imaging" or "Other" for a report's kind, in the page's language."""
    return str(KIND_WORDS.get(kind, KIND_WORDS[ReportKind.OTHER]))


@dataclass(frozen=True)
class ListedResult:
    """One row of the results list: a report, or a lab value of no report."""

    result_type: str  # "report" or "observation"
    result_id: uuid.UUID
    name: str
    # The recorded (LOINC) name, shown smaller beside a plain `name`; "" when `name` is it.
    long_name: str
    kind_label: str
    status: Flag | None
    is_new: bool
    # The result's own page.
    href: str = ""

    @property
    def is_report(self) -> bool:
        return self.result_type == REPORT_ROW

    def cells(self) -> SafeString:
        """The row's cells, worded in Python rather than by template tags for each cell: the
        linked name (tagged "New" if not yet opened, the recorded name beside a plain one), the
        kind, and the status as a tag ("See comment" for none); every value escaped."""
        words = _list_words(get_language())
        escape = html.escape
        name = f'<a href="{escape(self.href)}">{escape(self.name)}</a>'
        if self.is_new:
            name += new_tag()
        if self.long_name:
            name += _long_name_span(self.long_name)
        status = flag_tag(self.status) if self.status else words.see_comment
        return mark_safe(  # noqa: S308 (every cell escaped, the pattern's labels too)
            words.row.format(name, escape(self.kind_label), status)
        )


def _long_name_span(long_name: str) -> str:
    """The recorded (LOINC) name, smaller, under a plain name in a table's first cell."""
    return (
        '<span class="usa-hint display-block text-normal" data-testid="long-name">'
        f"{html.escape(long_name)}</span>"
    )


@dataclass(frozen=True)
class _ListWords:
    """The results list's words in one language, worded once per process: its row as a
    `str.format` pattern whose cells are labelled with their columns' names, the "New" tag and
    what a result without a status says."""

    row: str
    see_comment: str


@functools.lru_cache(maxsize=8)
def _list_words(language: str | None) -> _ListWords:
    return _ListWords(
        row=(
            f'<th scope="row" data-label="{pattern_words(_("Test"))}">{{}}</th>'
            f'<td data-label="{pattern_words(_("Type"))}">{{}}</td>'
            f'<td data-label="{pattern_words(_("Result"))}">{{}}</td>'
        ),
        see_comment=html.escape(_("See comment")),
    )


@dataclass(frozen=True)
class _ValueWords:
    """A report's values table's words in one language, worded once per process: its row as a
    `str.format` pattern whose cells are labelled with their columns' names, and what a cell
    says when the record says nothing; each escaped for HTML."""

    row: str
    value: str
    trend_link: str
    no_value: str
    no_range: str
    not_flagged: str
    comment: str
    taken: str  # "Taken %(day)s"
    by: str  # "By %(name)s"


@functools.lru_cache(maxsize=8)
def _value_words(language: str | None) -> _ValueWords:
    label = pattern_words
    escape = html.escape
    return _ValueWords(
        row=(
            '<tr data-testid="result-value">'
            f'<th scope="row" data-label="{label(_("Test"))}">{{}}</th>'
            f'<td data-label="{label(_("Your value"))}">{{}}</td>'
            f'<td data-label="{label(_("Normal range"))}">{{}}</td>'
            f'<td data-label="{label(_("Flag"))}">{{}}</td></tr>'
        ),
        value=escape(_("Value")),
        trend_link=(
            f'<br><a class="usa-link" href="{{}}">{label(_("See the trend over time"))}</a>'
        ),
        no_value=escape(_("No value")),
        no_range=escape(_("No normal range given")),
        not_flagged=escape(_("Not flagged")),
        comment=escape(_("Comment:")),
        taken=escape(_("Taken %(day)s")),
        by=escape(_("By %(name)s")),
    )


def report_value_rows(
    detail: ResultDetail, *, patient_id: uuid.UUID, user: Any
) -> list[SafeString]:
    """Each value of a report as its table row, worded in Python rather than by template tags
    for each cell: the test's name (its recorded name beside a plain one, a link to its trend
    where it has one), the value (with US units beside a weight or height, for a `user` who
    shows them), the normal range and the flag; every value escaped."""
    words = _value_words(get_language())
    report = detail.report
    return [
        mark_safe(  # noqa: S308 (every cell escaped, the pattern's labels too)
            words.row.format(
                _value_name_cell(item, words, patient_id=patient_id, report_id=report.pk),
                _value_cell(item, words, report_taken_at=report.effective_at, user=user),
                html.escape(item.range_words) or words.no_range,
                _flag_cell(item, words),
            )
        )
        for item in detail.values
    ]


def _value_name_cell(
    item: ResultValue, words: _ValueWords, *, patient_id: uuid.UUID, report_id: uuid.UUID
) -> str:
    observation = item.observation
    name, long_name = names_of(observation)
    cell = html.escape(name) or words.value
    if long_name:
        cell += _long_name_span(long_name)
    if item.has_trend:
        href = kept_reverse(
            "results:trend", kwargs={"patient_id": patient_id, "code": observation.code}
        )
        cell += words.trend_link.format(html.escape(f"{href}?from=result:{report_id}"))
    return cell


def _value_cell(
    item: ResultValue, words: _ValueWords, *, report_taken_at: dt.datetime | None, user: Any
) -> str:
    observation = item.observation
    escape = html.escape
    if observation.components:
        cell = "<br>".join(
            f"{escape(name)} {escape(value)}"
            for name, value in component_rows_in_words(observation)
        )
    elif observation.value_quantity is not None:
        cell = escape(observation_number(observation))
        if observation.value_unit:
            cell += f" {escape(unit_words(observation.value_unit))}"
        cell += us_words_beside(observation, user)
    else:
        cell = escape(value_in_words(observation)) or words.no_value
    if observation.effective_at and observation.effective_at != report_taken_at:
        day = escape(recorded_day(observation, "effective_at"))
        cell += f'<div class="usa-hint">{words.taken % {"day": day}}</div>'
    if observation.performer:
        name = escape(observation.performer.display_name)
        cell += f'<div class="usa-hint">{words.by % {"name": name}}</div>'
    return cell


def _flag_cell(item: ResultValue, words: _ValueWords) -> str:
    cell = flag_tag(item.flag) if item.flag else words.not_flagged
    note = item.observation.note
    if note:
        lines = html.escape(normalize_newlines(note)).replace("\n", "<br>")
        cell += f'<div class="margin-top-1"><strong>{words.comment}</strong> {lines}</div>'
    return cell


@dataclass(frozen=True)
class DateGroup:
    date: dt.date | None
    results: list[ListedResult]
    # "year", "month" or "day" when the source gave the date without a time.
    precision: str | None = None


def _taken_on(row: dict) -> tuple[dt.date | None, str | None]:
    """The day a row was taken: its local date, or for a date its source gave without a time,
    that date as given (stored at midnight UTC, never shifted), with its precision."""
    taken_at = row["taken_at"]
    if taken_at is None:
        return None, None
    precision = (row.get("date_precisions") or {}).get("effective_at")
    if precision:
        return taken_at.astimezone(dt.UTC).date(), precision
    return timezone.localdate(taken_at), None


# Each kind of row's own page.
_ROW_VIEWS = {REPORT_ROW: "results:detail", OBSERVATION_ROW: "results:observation"}


def listed_result(row: dict, patient_id: uuid.UUID) -> ListedResult:
    kind = row["result_kind"]
    name, long_name = names_for(row["code"], row["name"] or "")
    result_id = uuid.UUID(str(row["result_id"]))
    return ListedResult(
        result_type=row["result_type"],
        result_id=result_id,
        name=name or _("Test result"),
        long_name=long_name,
        kind_label=kind_words(kind),
        status=row["status"],
        is_new=not row["is_seen"],
        href=kept_reverse(_ROW_VIEWS[row["result_type"]], [patient_id, result_id]),
    )


def results_by_date(rows: Iterable[dict], *, patient_id: uuid.UUID) -> list[DateGroup]:
    """The page's result rows (`selectors.rows_with_status`) grouped by the local date they were
    taken, keeping their order."""
    groups: list[DateGroup] = []
    for row in rows:
        day, precision = _taken_on(row)
        if not groups or (groups[-1].date, groups[-1].precision) != (day, precision):
            groups.append(DateGroup(date=day, results=[], precision=precision))
        groups[-1].results.append(listed_result(row, patient_id))
    return groups


@dataclass(frozen=True)
class BackLink:
    href: str
    label: str


def trend_back_link(*, patient_id: uuid.UUID, origin: str) -> BackLink:
    """Where the trend's "Back to ..." link leads: the page the patient came from, named by the
    link that brought them ("vitals", "result:<id>", "observation:<id>"), or the results list.

    Only these shapes are followed, and the link is built here from the patient in the URL, so
    a crafted `from` cannot send anyone off the site; the page it leads to checks access again.
    """
    kind, _colon, raw_id = origin.partition(":")
    if kind == "vitals" and not raw_id:
        return BackLink(reverse("record:vitals", args=[patient_id]), _("Back to vital signs"))
    try:
        result_id = uuid.UUID(raw_id)
    except ValueError:
        result_id = None
    if kind == "result" and result_id:
        return BackLink(
            reverse("results:detail", args=[patient_id, result_id]), _("Back to the result")
        )
    if kind == "observation" and result_id:
        return BackLink(
            reverse("results:observation", args=[patient_id, result_id]), _("Back to the result")
        )
    return BackLink(reverse("results:list", args=[patient_id]), _("Back to test results"))


def _when(point: TrendPoint) -> str:
    """A point's date in words, at the precision its source gave."""
    return partial_day(point.observation.effective_at, point.precision)


def _us_beside(point: TrendPoint, us_units: bool) -> str:
    observation = point.observation
    words = (
        us_words(code=observation.code, value=point.value, unit=observation.value_unit)
        if us_units
        else ""
    )
    return f" ({words})" if words else ""


def trend_chart(trend: Trend, *, us_units: bool = False) -> SafeString | str:
    """The chart for a trend with at least two values; "" when there is too little to draw.

    With `us_units`, each weight or height label gives its US value too ("86 kg (190 lb)").
    """
    unit = f" {trend.unit}" if trend.unit else ""
    test_name = names_for(trend.code, trend.name)[0]
    if trend.is_blood_pressure:
        series = [
            Series(
                name=name,
                points=[
                    ChartPoint(
                        at=p.taken_at,
                        value=getattr(p, attribute),
                        label=_("%(name)s %(value)s%(unit)s on %(day)s")
                        % {
                            "name": name,
                            "value": number(getattr(p, attribute)),
                            "unit": unit,
                            "day": _when(p),
                        },
                    )
                    for p in trend.points
                    if getattr(p, attribute) is not None
                ],
            )
            for name, attribute in ((_("Systolic"), "systolic"), (_("Diastolic"), "diastolic"))
        ]
    else:
        series = [
            Series(
                name=test_name,
                points=[
                    ChartPoint(
                        at=p.taken_at,
                        value=p.value,
                        label=_("%(value)s%(unit)s%(us_units)s on %(day)s")
                        % {
                            "value": number(p.value, low=trend.low, high=trend.high),
                            "unit": unit,
                            "us_units": _us_beside(p, us_units),
                            "day": _when(p),
                        },
                    )
                    for p in trend.points
                    if p.value is not None
                ],
            )
        ]
    if sum(len(one.points) for one in series) < 2:
        return ""
    if trend.low is not None and trend.high is not None:
        band = _("The shaded band is the normal range, %(low)s to %(high)s%(unit)s.")
        band_words = " " + band % {
            "low": recorded_number(trend.low),
            "high": recorded_number(trend.high),
            "unit": unit,
        }
    else:
        band_words = ""
    first, last = trend.points[0], trend.points[-1]
    return line_chart_svg(
        title=_("%(test)s over time") % {"test": test_name},
        description=(
            ngettext(
                "%(count)s value from %(first)s to %(last)s.",
                "%(count)s values from %(first)s to %(last)s.",
                len(trend.points),
            )
            % {"count": len(trend.points), "first": _when(first), "last": _when(last)}
            + band_words
            + " "
            + _("The same values are listed in the table below.")
        ),
        series=series,
        band=(trend.low, trend.high),
    )
