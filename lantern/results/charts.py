"""A small server-side SVG line chart: no JavaScript, no network, readable in greyscale.

Dates run along the x-axis and values up the y-axis. The normal range is a light hatched band
with a dashed border; each series draws its points as its own shape (circle, square), so the
chart does not depend on colour. Every point can take keyboard focus and carries a <title>,
which browsers show on hover and screen readers read on focus.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils import dateformat, timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .flags import localized

# The drawing is sized so its text stays readable on a phone: the chart is at most as wide as
# the page's content column, about 328 px of a 360 px screen, and never wider than 36rem
# (static/css/lantern.css). At 328 px, 15 units are 13.7 px; at 36rem they are 24 px.
WIDTH = 360
HEIGHT = 240
FONT_SIZE = 15
NARROWEST_WIDTH_PX = 328
MARGIN_LEFT = 48
MARGIN_RIGHT = 12
MARGIN_TOP = 12
MARGIN_BOTTOM = 34
# Space between the axes and the first and last points, so no point sits on an axis.
INSET = 12
SHAPES = ("circle", "square", "triangle")
# Dates along the x-axis: the first, the last and this many between, fewer for the longer
# month labels so that none overlaps another at FONT_SIZE.
DATES_BETWEEN = {"day": 2, "month": 1}
# The axis's date formats (Django's), by language: "Nov 29" and "Mar 2026"; "29 nov", "mar 2026".
AXIS_FORMATS = {
    "en": {"full": "M j, Y", "day": "M j", "month": "M Y"},
    "es": {"full": "j b Y", "day": "j b", "month": "b Y"},
}


def _axis_format(kind: str) -> str:
    language = (translation.get_language() or "en").split("-")[0]
    return AXIS_FORMATS.get(language, AXIS_FORMATS["en"])[kind]


# A span of days beyond which the x-axis names months ("Mar 2026") rather than days ("Nov 29").
DAYS_NAMED_BY_MONTH = 120


@dataclass(frozen=True)
class ChartPoint:
    at: dt.datetime
    value: float
    label: str


@dataclass(frozen=True)
class Series:
    name: str
    points: list[ChartPoint]


def _nice_step(raw_step: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw_step))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round numbers from at or below `low` to at or above `high`, about `count` of them."""
    if high <= low:
        high = low + 1
    step = _nice_step((high - low) / max(count - 1, 1))
    first = math.floor(round(low / step, 9)) * step
    ticks = [round(first, 10)]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def y_axis_ticks(
    values: list[float], band: tuple[float | None, float | None] = (None, None)
) -> list[float]:
    """The y-axis: round numbers that hold every value and the normal range, from a baseline
    that does not make a small change look large.

    When every value is positive and their spread (with the range) is small against their size
    (175 to 190 mg/dL), the axis starts at 0, so a 10 mg/dL change looks like one. Otherwise it
    starts a little below the lowest value or the range, whichever is lower, never below 0 for
    positive values. The values get a little room above and below; the range's ends do not
    need it.
    """
    edges = [edge for edge in band if edge is not None]
    low, high = min(values + edges), max(values + edges)
    spread = high - low
    pad = (max(values) - min(values) or abs(max(values)) or 1) * 0.1
    if low >= 0 and spread <= high / 2:
        bottom = 0.0
    else:
        bottom = min([min(values) - pad, *edges])
        if low >= 0:
            bottom = max(bottom, 0.0)
    top = max([max(values) + pad, *edges])
    return _nice_ticks(bottom, top)


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def x_axis_dates(first: dt.datetime, last: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """The dates written along the x-axis: the first, the last and a few evenly between, as
    "Nov 29" over a few months or "Mar 2026" over longer; a date already written is skipped."""
    if last <= first:
        return [(first, dateformat.format(_local(first), _axis_format("full")))]
    span = last - first
    kind = "month" if span > dt.timedelta(days=DAYS_NAMED_BY_MONTH) else "day"
    form = _axis_format(kind)
    steps = DATES_BETWEEN[kind] + 1
    moments = [first + span * step / steps for step in range(steps + 1)]
    dates: list[tuple[dt.datetime, str]] = []
    for moment in moments:
        label = dateformat.format(_local(moment), form)
        if label not in {written for _moment, written in dates}:
            dates.append((moment, label))
    # The last value's date is always written, in place of a between date with the same label.
    last_label = dateformat.format(_local(last), form)
    if dates[-1][0] != last:
        dates = [(moment, label) for moment, label in dates if label != last_label]
        dates.append((last, last_label))
    return dates


def _shape(kind: str, x: float, y: float, attributes: str, label: str) -> str:
    """One point as a focusable shape whose <title> names its value and date."""
    title = f"<title>{escape(label)}</title>"
    if kind == "square":
        return (
            f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" {attributes}>'
            f"{title}</rect>"
        )
    if kind == "triangle":
        corners = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y + 5:.1f} {x - 6:.1f},{y + 5:.1f}"
        return f'<polygon points="{corners}" {attributes}>{title}</polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" {attributes}>{title}</circle>'


def line_chart_svg(
    *,
    title: str,
    description: str,
    series: list[Series],
    band: tuple[float | None, float | None] = (None, None),
) -> SafeString:
    """The chart as an inline <svg>; `band` is the normal range (either end may be open)."""
    points = [point for one in series for point in one.points]
    if not points:
        return mark_safe("")
    values = [point.value for point in points]
    band_low, band_high = band
    ticks = y_axis_ticks(values, band)
    y_min, y_max = ticks[0], ticks[-1]
    times = [point.at.timestamp() for point in points]
    t_min, t_max = min(times), max(times)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def x_of(moment: dt.datetime) -> float:
        if t_max == t_min:
            return MARGIN_LEFT + plot_width / 2
        share = (moment.timestamp() - t_min) / (t_max - t_min)
        return MARGIN_LEFT + INSET + share * (plot_width - 2 * INSET)

    def y_of(value: float) -> float:
        return MARGIN_TOP + (y_max - value) / (y_max - y_min) * plot_height

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" class="lantern-chart" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" font-size="{FONT_SIZE}">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
        '<defs><pattern id="normal-range-hatch" width="8" height="8" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="8" height="8" fill="#eef4ec"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#b8ccb3" stroke-width="2"/>'
        "</pattern></defs>",
    ]
    if band_low is not None or band_high is not None:
        top = y_of(min(band_high, y_max) if band_high is not None else y_max)
        bottom = y_of(max(band_low, y_min) if band_low is not None else y_min)
        band_title = escape(_("Normal range"))
        parts.append(
            f'<rect class="lantern-chart__band" x="{MARGIN_LEFT}" y="{top:.1f}" '
            f'width="{plot_width}" height="{max(bottom - top, 0):.1f}" '
            'fill="url(#normal-range-hatch)" stroke="#4d8055" stroke-dasharray="6 3">'
            f"<title>{band_title}</title></rect>"
        )
    # The axes and their labels.
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y:.1f}" '
            'stroke="#dfe1e2"/>'
            f'<text class="lantern-chart__label" x="{MARGIN_LEFT - 6}" y="{y + 5:.1f}" '
            f'text-anchor="end" fill="#1b1b1b">{localized(f"{tick:g}")}</text>'
        )
    parts.append(
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" '
        f'y2="{HEIGHT - MARGIN_BOTTOM}" stroke="#1b1b1b"/>'
        f'<line x1="{MARGIN_LEFT}" y1="{HEIGHT - MARGIN_BOTTOM}" x2="{WIDTH - MARGIN_RIGHT}" '
        f'y2="{HEIGHT - MARGIN_BOTTOM}" stroke="#1b1b1b"/>'
    )
    first, last = min(points, key=lambda p: p.at).at, max(points, key=lambda p: p.at).at
    dates = x_axis_dates(first, last)
    for moment, label in dates:
        if len(dates) == 1:
            anchor = "middle"
        else:
            anchor = "start" if moment == first else "end" if moment == last else "middle"
        parts.append(
            f'<text class="lantern-chart__label lantern-chart__date" x="{x_of(moment):.1f}" '
            f'y="{HEIGHT - MARGIN_BOTTOM + FONT_SIZE + 8}" text-anchor="{anchor}" '
            f'fill="#1b1b1b">{escape(label)}</text>'
        )
    # Each series: a line through its points, then the points as focusable shapes.
    for index, one in enumerate(series):
        shape = SHAPES[index % len(SHAPES)]
        ordered = sorted(one.points, key=lambda p: p.at)
        dash = ' stroke-dasharray="4 3"' if index % 2 else ""
        coordinates = " ".join(f"{x_of(p.at):.1f},{y_of(p.value):.1f}" for p in ordered)
        parts.append(
            f'<g class="lantern-chart__series" data-series="{escape(one.name)}">'
            f'<polyline points="{coordinates}" fill="none" stroke="#1b1b1b"{dash}/>'
        )
        fill = "#1b1b1b" if index % 2 == 0 else "#ffffff"
        attributes = (
            f'class="lantern-chart__point" tabindex="0" fill="{fill}" stroke="#1b1b1b" '
            'stroke-width="2"'
        )
        for point in ordered:
            parts.append(_shape(shape, x_of(point.at), y_of(point.value), attributes, point.label))
        parts.append("</g>")
    parts.append("</svg>")
    # Every value written into the markup above is a number or passed through escape().
    return mark_safe("".join(parts))  # noqa: S308
