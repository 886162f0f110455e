"""The patient's appointments: coming and past visits, in the clinic's time."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lantern.access.decorators import patient_view, signed_in
from lantern.access.models import Section

from . import selectors


@signed_in
def my_appointments(request: HttpRequest) -> HttpResponse:
    """The navigation's "Appointments" link: the signed-in account's own appointments."""
    if request.user.patient_id is None:
        raise Http404
    return redirect("appointments:list", patient_id=request.user.patient_id)


@patient_view(section=Section.APPOINTMENTS, object_type="Appointment")
def appointment_list(request: HttpRequest) -> HttpResponse:
    listed = selectors.patient_appointments(access=request.patient_access)
    context = {
        "current_section": "appointments",
        "patient": request.patient_access.patient,
        "upcoming": listed.upcoming,
        "past": listed.past,
    }
    return render(request, "appointments/appointment_list.html", context)
