"""The health summary: an index and one page per kind of record."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lantern.access.decorators import patient_view, signed_in
from lantern.access.models import Section

from . import selectors


def _own_patient_id(request: HttpRequest) -> uuid.UUID:
    # An account without a record of its own (staff) has no summary to go to.
    if request.user.patient_id is None:
        raise Http404
    return request.user.patient_id


@signed_in
def my_record(request: HttpRequest) -> HttpResponse:
    return redirect("record:index", patient_id=_own_patient_id(request))


@signed_in
def my_medications(request: HttpRequest) -> HttpResponse:
    return redirect("record:medications", patient_id=_own_patient_id(request))


def _render(
    request: HttpRequest, template: str, section: str = "record", **context
) -> HttpResponse:
    context.update(current_section=section, patient=request.patient_access.patient)
    return render(request, template, context)


@patient_view(section=Section.RECORD, object_type="record")
def index(request: HttpRequest) -> HttpResponse:
    summary = selectors.record_summary_count(access=request.patient_access)
    return _render(request, "record/index.html", summary=summary)


@patient_view(section=Section.RECORD, object_type="Condition")
def problems(request: HttpRequest) -> HttpResponse:
    page = selectors.problems_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    return _render(request, "record/problems.html", page=page)


@patient_view(section=Section.MEDICATIONS, object_type="MedicationRequest")
def medications(request: HttpRequest) -> HttpResponse:
    page = selectors.medications_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    return _render(request, "record/medications.html", section="medications", page=page)


@patient_view(section=Section.RECORD, object_type="AllergyIntolerance")
def allergies(request: HttpRequest) -> HttpResponse:
    page = selectors.allergies_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    return _render(request, "record/allergies.html", page=page)


@patient_view(section=Section.RECORD, object_type="Immunization")
def immunizations(request: HttpRequest) -> HttpResponse:
    page = selectors.immunizations_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    return _render(request, "record/immunizations.html", page=page)


@patient_view(section=Section.RECORD, object_type="Procedure")
def procedures(request: HttpRequest) -> HttpResponse:
    page = selectors.procedures_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    return _render(request, "record/procedures.html", page=page)


@patient_view(section=Section.RECORD, object_type="Observation")
def vitals(request: HttpRequest) -> HttpResponse:
    vital_signs = selectors.vital_signs_latest(access=request.patient_access)
    return _render(request, "record/vitals.html", vital_signs=vital_signs)


@patient_view(section=Section.RECORD, object_type="Encounter")
def visits(request: HttpRequest) -> HttpResponse:
    page = selectors.visits_page(access=request.patient_access, page_number=request.GET.get("page"))
    return _render(request, "record/visits.html", page=page)


@patient_view(section=Section.RECORD, object_type="Encounter")
def visit(request: HttpRequest, visit_id: uuid.UUID) -> HttpResponse:
    detail = selectors.visit_detail(access=request.patient_access, visit_id=visit_id)
    return _render(request, "record/visit.html", detail=detail)


@patient_view(section=Section.NOTES, object_type="DocumentReference")
def documents(request: HttpRequest) -> HttpResponse:
    page = selectors.documents_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    return _render(request, "record/documents.html", page=page)


@patient_view(section=Section.NOTES, object_type="DocumentReference")
def document(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    found = selectors.document_detail(access=request.patient_access, document_id=document_id)
    return _render(request, "record/document.html", document=found)
