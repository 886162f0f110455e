"""Test results: the list, one result, and a test's trend over time."""

from __future__ import annotations

import uuid

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lantern.access.decorators import patient_view, signed_in
from lantern.access.models import Section

from . import selectors, services
from .body_units import shows_us_units, us_heading
from .forms import ResultFilterForm
from .presenters import report_value_rows, results_by_date, trend_back_link, trend_chart

RESULTS_PER_PAGE = 25


@signed_in
def my_results(request: HttpRequest) -> HttpResponse:
    """The navigation's "Results" link: the signed-in account's own results."""
    if request.user.patient_id is None:
        raise Http404
    return redirect("results:list", patient_id=request.user.patient_id)


@patient_view(section=Section.RESULTS, object_type="DiagnosticReport")
def result_list(request: HttpRequest) -> HttpResponse:
    form = ResultFilterForm(request.GET or None)
    results = selectors.result_rows(access=request.patient_access, **form.filters())
    paginator = Paginator(results, RESULTS_PER_PAGE)
    # Counted apart from the UNION of rows: the same number, much cheaper to build.
    paginator.count = selectors.results_count(access=request.patient_access, **form.filters())
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "current_section": "results",
        "patient": request.patient_access.patient,
        "form": form,
        "page": page,
        "groups": results_by_date(
            selectors.rows_with_status(access=request.patient_access, rows=page.object_list),
            patient_id=request.patient_access.patient.pk,
        ),
        "filtered": form.is_bound,
    }
    return render(request, "results/result_list.html", context)


@patient_view(section=Section.RESULTS, object_type="DiagnosticReport")
def result_detail(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    detail = selectors.result_detail(access=request.patient_access, report_id=report_id)
    if not detail.seen_before:
        services.result_seen_record(access=request.patient_access, report=detail.report)
    context = {
        "current_section": "results",
        "patient": request.patient_access.patient,
        "detail": detail,
        "value_rows": report_value_rows(
            detail,
            patient_id=request.patient_access.patient.pk,
            user=request.user,
        ),
    }
    return render(request, "results/result_detail.html", context)


@patient_view(section=Section.RESULTS, object_type="Observation")
def observation_detail(request: HttpRequest, observation_id: uuid.UUID) -> HttpResponse:
    """A lab value that belongs to no report, as a result of its own."""
    detail = selectors.observation_detail(
        access=request.patient_access, observation_id=observation_id
    )
    services.observation_seen_record(access=request.patient_access, observation=detail.observation)
    context = {
        "current_section": "results",
        "patient": request.patient_access.patient,
        "detail": detail,
    }
    return render(request, "results/observation_detail.html", context)


@patient_view(section=Section.RESULTS, object_type="Observation")
def trend(request: HttpRequest, code: str) -> HttpResponse:
    trend = selectors.trend_for_code(access=request.patient_access, code=code)
    context = {
        "current_section": "results",
        "patient": request.patient_access.patient,
        "trend": trend,
        "chart": trend_chart(trend, us_units=shows_us_units(request.user)),
        "us_column": us_heading(trend.code) if shows_us_units(request.user) else "",
        "back": trend_back_link(
            patient_id=request.patient_access.patient.pk, origin=request.GET.get("from", "")
        ),
    }
    return render(request, "results/trend.html", context)
