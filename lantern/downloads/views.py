"""Download the record, or one result, as a readable PDF or a FHIR file."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lantern.access.decorators import patient_view
from lantern.access.models import Section
from lantern.audit.models import AuditAction

from . import services
from .selectors import record_has_health_information

FHIR_JSON = "application/fhir+json"
PDF = "application/pdf"


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A file to save, named without health information, that no cache keeps."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@patient_view(section=Section.DOWNLOADS, action=AuditAction.VIEW, object_type="record")
def download(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    context = {
        "current_section": "record",
        "patient": access.patient,
        "has_health_information": record_has_health_information(access=access),
    }
    return render(request, "downloads/download.html", context)


@patient_view(section=Section.DOWNLOADS, action=AuditAction.EXPORT, object_type="record")
def record_json(request: HttpRequest) -> HttpResponse:
    content = services.record_json(access=request.patient_access)
    return attachment(content, FHIR_JSON, "health-record.json")


@patient_view(section=Section.DOWNLOADS, action=AuditAction.EXPORT, object_type="record")
def record_pdf(request: HttpRequest) -> HttpResponse:
    content = services.record_pdf(access=request.patient_access)
    return attachment(content, PDF, "health-record.pdf")


@patient_view(
    section=(Section.DOWNLOADS, Section.RESULTS),
    action=AuditAction.EXPORT,
    object_type="DiagnosticReport",
)
def result_json(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    content = services.result_json(access=request.patient_access, report_id=report_id)
    return attachment(content, FHIR_JSON, "test-result.json")


@patient_view(
    section=(Section.DOWNLOADS, Section.RESULTS),
    action=AuditAction.EXPORT,
    object_type="DiagnosticReport",
)
def result_pdf(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    content = services.result_pdf(access=request.patient_access, report_id=report_id)
    return attachment(content, PDF, "test-result.pdf")


@patient_view(
    section=(Section.DOWNLOADS, Section.RESULTS),
    action=AuditAction.EXPORT,
    object_type="Observation",
)
def observation_json(request: HttpRequest, observation_id: uuid.UUID) -> HttpResponse:
    content = services.observation_json(
        access=request.patient_access, observation_id=observation_id
    )
    return attachment(content, FHIR_JSON, "test-result.json")


@patient_view(
    section=(Section.DOWNLOADS, Section.RESULTS),
    action=AuditAction.EXPORT,
    object_type="Observation",
)
def observation_pdf(request: HttpRequest, observation_id: uuid.UUID) -> HttpResponse:
    content = services.observation_pdf(access=request.patient_access, observation_id=observation_id)
    return attachment(content, PDF, "test-result.pdf")
