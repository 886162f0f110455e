"""The patient's access log: who opened their record, what and when."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lantern.access.decorators import patient_view

from . import selectors


@patient_view(object_type="AuditEvent")
def access_log(request: HttpRequest) -> HttpResponse:
    page = selectors.access_log_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    context = {"current_section": "record", "patient": request.patient_access.patient, "page": page}
    return render(request, "audit/access_log.html", context)
