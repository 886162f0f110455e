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

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 320
MARGIN_LEFT = 56
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 40
# Space between the axes and the first and last points, so no point sits on an axis.
INSET = 16
SHAPES = ("circle", "square", "triangle")


@dataclass(frozen=True)
class ChartPoint:
    at: dt.datetime
    value: float
    label: str


@dataclass(frozen=True)
class Series:
    name: str
    points: list[ChartPoint]


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round numbers that cover low..high, about `count` of them."""
    if high <= low:
        high = low + 1
    raw_step = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    first = math.floor(low / step) * step
    ticks = [round(first, 10)]
    while ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


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
    ends = values + [edge for edge in (band_low, band_high) if edge is not None]
    spread = (max(ends) - min(ends)) or abs(max(ends)) or 1
    ticks = _nice_ticks(min(ends) - spread * 0.1, max(ends) + spread * 0.1)
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
        f'width="100%" preserveAspectRatio="xMidYMid meet">',
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
        parts.append(
            f'<rect class="lantern-chart__band" x="{MARGIN_LEFT}" y="{top:.1f}" '
            f'width="{plot_width}" height="{max(bottom - top, 0):.1f}" '
            'fill="url(#normal-range-hatch)" stroke="#4d8055" stroke-dasharray="6 3">'
            "<title>Normal range</title></rect>"
        )
    # The axes and their labels.
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y:.1f}" '
            'stroke="#dfe1e2"/>'
            f'<text x="{MARGIN_LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#1b1b1b">{tick:g}</text>'
        )
    parts.append(
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" '
        f'y2="{HEIGHT - MARGIN_BOTTOM}" stroke="#1b1b1b"/>'
        f'<line x1="{MARGIN_LEFT}" y1="{HEIGHT - MARGIN_BOTTOM}" x2="{WIDTH - MARGIN_RIGHT}" '
        f'y2="{HEIGHT - MARGIN_BOTTOM}" stroke="#1b1b1b"/>'
    )
    first, last = min(points, key=lambda p: p.at).at, max(points, key=lambda p: p.at).at
    date_labels = [(first, "start")] if first == last else [(first, "start"), (last, "end")]
    for moment, anchor in date_labels:
        parts.append(
            f'<text x="{x_of(moment):.1f}" y="{HEIGHT - MARGIN_BOTTOM + 20}" '
            f'text-anchor="{"middle" if first == last else anchor}" font-size="12" '
            f'fill="#1b1b1b">{escape(moment.strftime("%b %-d, %Y"))}</text>'
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
