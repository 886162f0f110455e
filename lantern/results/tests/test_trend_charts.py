"""Trend charts people can trust: an honest y-axis, dates along the x-axis, labels readable on a
phone, every value reachable without hover, and a "Back to ..." link to where the patient was."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.clinical.models import DiagnosticReportResult
from lantern.results import charts
from lantern.results.charts import ChartPoint, Series, line_chart_svg, x_axis_dates, y_axis_ticks
from lantern.testing.auth import sign_in
from lantern.testing.factories import DiagnosticReportFactory, ObservationFactory

MONTH = re.compile(r"^[A-Z][a-z]{2} \d{4}$")
DAY = re.compile(r"^[A-Z][a-z]{2} \d{1,2}$")


def moment(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 12, tzinfo=dt.UTC)


START = moment(2025, 3, 1)


def chart(values: list[float], band=(None, None), start=START, days=120) -> str:
    step = dt.timedelta(days=days / max(len(values) - 1, 1))
    points = [ChartPoint(start + step * i, v, f"{v} on day {i}") for i, v in enumerate(values)]
    return line_chart_svg(
        title="t", description="d", series=[Series(name="s", points=points)], band=band
    )


def test_values_close_together_start_the_y_axis_at_zero_so_a_small_change_looks_small():
    ticks = y_axis_ticks([175, 182, 190])

    assert ticks[0] == 0
    assert 190 <= ticks[-1] <= 250


def test_the_y_axis_holds_the_normal_range_as_well_as_the_values():
    ticks = y_axis_ticks([175, 190], (125, 200))

    assert ticks[0] == 0 and ticks[-1] >= 200

    ticks = y_axis_ticks([60, 140], (70, 130))

    assert ticks[0] == 50 and ticks[-1] >= 140

    ticks = y_axis_ticks([5.6, 6.1], (4.0, 5.6))

    assert ticks[0] <= 4.0 and ticks[-1] >= 6.1


def test_the_y_axis_reaches_below_zero_only_for_values_below_zero():
    assert y_axis_ticks([3, 80])[0] == 0
    assert y_axis_ticks([-4, 2])[0] < -4


def test_y_axis_ticks_are_round_numbers_evenly_spaced():
    ticks = y_axis_ticks([187.215, 171.9], (0, 200))
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}

    assert len(steps) == 1 and steps.pop() in {10, 20, 25, 50, 100}


def test_the_x_axis_names_months_over_a_long_span_and_days_over_a_short_one():
    long_span = x_axis_dates(moment(2024, 11, 2), moment(2026, 3, 20))
    short_span = x_axis_dates(moment(2026, 9, 1), moment(2026, 11, 29))

    long_labels = [label for _, label in long_span]
    short_labels = [label for _, label in short_span]

    assert (long_labels[0], long_labels[-1]) == ("Nov 2024", "Mar 2026")
    assert len(long_labels) >= 3 and all(MONTH.match(label) for label in long_labels)
    assert (short_labels[0], short_labels[-1]) == ("Sep 1", "Nov 29")
    assert len(short_labels) >= 3 and all(DAY.match(label) for label in short_labels)


def test_the_chart_writes_dates_along_the_x_axis():
    svg = chart([5.6, 5.9, 6.1], days=400)

    dates = re.findall(r'class="lantern-chart__label lantern-chart__date"[^>]*>([^<]+)<', svg)

    assert dates[0] == "Mar 2025" and dates[-1] == "Apr 2026"
    assert len(dates) >= 3 and all(MONTH.match(label) for label in dates)


def test_the_chart_draws_the_y_axis_from_zero_for_values_close_together():
    svg = chart([175, 182, 190], band=(125, 200))

    labels = re.findall(r'text-anchor="end" fill="#1b1b1b">([-\d.]+)<', svg)

    assert labels[0] == "0" and float(labels[-1]) >= 200


def test_chart_labels_are_at_least_12px_on_a_360px_phone():
    svg = chart([1, 2, 3])
    view_width = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    font_sizes = {int(size) for size in re.findall(r'font-size="(\d+)"', svg)}

    assert font_sizes == {charts.FONT_SIZE}
    assert charts.FONT_SIZE * charts.NARROWEST_WIDTH_PX / view_width >= 12


def test_every_point_carries_its_value_in_a_title_and_nothing_uses_inline_style():
    svg = chart([1, 2, 3])

    points = re.findall(r'class="lantern-chart__point"[^>]*><title>([^<]+)</title>', svg)

    assert points == ["1 on day 0", "2 on day 1", "3 on day 2"]
    assert "style=" not in svg


@pytest.mark.django_db
class TestTheTrendPage:
    def values(self, patient) -> list:
        return [
            ObservationFactory(
                patient=patient,
                code="2093-3",
                display="Cholesterol",
                value_quantity=value,
                value_unit="mg/dL",
                reference_low=125,
                reference_high=200,
                effective_at=timezone.now() - dt.timedelta(days=days),
            )
            for days, value in ((400, 175), (200, 190), (10, 182))
        ]

    def trend(self, client: Client, alice, origin: str | None = None) -> str:
        url = reverse("results:trend", kwargs={"patient_id": alice.patient_id, "code": "2093-3"})
        return client.get(url, {"from": origin} if origin is not None else {}).text

    def back_link(self, text: str) -> tuple[str, str]:
        match = re.search(
            r'<a class="usa-link" href="([^"]+)" data-testid="back-link">([^<]+)<', text
        )
        return match.group(1), match.group(2)

    def test_the_page_lists_every_value_and_titles_every_point(self, alice):
        self.values(alice.patient)

        text = self.trend(sign_in(Client(), alice), alice)

        assert text.count('class="lantern-chart__point"') == 3
        assert text.count("<title>") == 3 + 2  # the chart's title and the normal range's
        table = text.split('data-testid="trend-table"')[1]
        assert table.index("175") < table.index("190") < table.index("182")

    def test_from_the_results_list_the_link_leads_back_to_the_list(self, alice):
        self.values(alice.patient)

        href, label = self.back_link(self.trend(sign_in(Client(), alice), alice))

        assert (href, label) == (f"/patients/{alice.patient_id}/results/", "Back to test results")

    def test_from_a_result_the_link_leads_back_to_that_result(self, alice):
        observation = self.values(alice.patient)[-1]
        report = DiagnosticReportFactory(patient=alice.patient)
        DiagnosticReportResult.objects.create(report=report, observation=observation, position=0)
        client = sign_in(Client(), alice)
        result_page = client.get(
            reverse(
                "results:detail", kwargs={"patient_id": alice.patient_id, "report_id": report.pk}
            )
        ).text
        trend_href = re.search(r'href="([^"]*/trends/2093-3/[^"]*)"', result_page).group(1)

        href, label = self.back_link(client.get(trend_href.replace("&amp;", "&")).text)

        assert href == f"/patients/{alice.patient_id}/results/{report.pk}/"
        assert label == "Back to the result"

    def test_from_a_lab_value_of_no_report_the_link_leads_back_to_it(self, alice):
        observation = self.values(alice.patient)[-1]
        client = sign_in(Client(), alice)
        page = client.get(
            reverse(
                "results:observation",
                kwargs={"patient_id": alice.patient_id, "observation_id": observation.pk},
            )
        ).text
        trend_href = re.search(r'href="([^"]*/trends/2093-3/[^"]*)"', page).group(1)

        href, label = self.back_link(client.get(trend_href).text)

        assert href == f"/patients/{alice.patient_id}/results/observations/{observation.pk}/"
        assert label == "Back to the result"

    def test_from_vital_signs_the_link_leads_back_to_vital_signs(self, alice):
        ObservationFactory(
            patient=alice.patient, code="29463-7", category="vital-signs", value_unit="kg"
        )
        client = sign_in(Client(), alice)
        vitals = client.get(reverse("record:vitals", kwargs={"patient_id": alice.patient_id})).text
        trend_href = re.search(r'href="([^"]*/trends/29463-7/[^"]*)"', vitals).group(1)

        href, label = self.back_link(client.get(trend_href).text)

        assert href == reverse("record:vitals", kwargs={"patient_id": alice.patient_id})
        assert label == "Back to vital signs"

    @pytest.mark.parametrize(
        "origin", ["//evil.example/", "result:not-a-uuid", "https://evil.example", "vitals:x"]
    )
    def test_an_unknown_origin_leads_back_to_the_results_list(self, alice, origin):
        self.values(alice.patient)

        href, _ = self.back_link(self.trend(sign_in(Client(), alice), alice, origin))

        assert href == f"/patients/{alice.patient_id}/results/"
