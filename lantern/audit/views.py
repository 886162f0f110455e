"""The patient's access log: who opened their record, what and when."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lantern.access.decorators import patient_view
from lantern.access.models import Section

from . import selectors
from .models import ActorRole
from .presenters import access_log_rows


@patient_view(section=Section.ACCESS_LOG, object_type="AuditEvent")
def access_log(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    # "Show my own visits too" is off by default: the patient's own visits fill the log.
    show_own = request.GET.get("mine") == "1"
    page = selectors.access_log_page(
        access=access, before=request.GET.get("before"), include_own=show_own
    )
    context = {
        "current_section": "record",
        "patient": access.patient,
        "page": page,
        "rows": access_log_rows(page.object_list),
        "own_filter": selectors.reads_own_log(access),
        "show_own": show_own,
        # The patient reads about "your record"; a proxy or staff member about the patient by name.
        "own_record": access.role not in (ActorRole.STAFF, ActorRole.PROXY),
    }
    return render(request, "audit/access_log.html", context)
