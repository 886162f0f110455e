"""The waitlist's pages: join or leave it for a visit, and answer an offer of an earlier time."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from lantern.access.decorators import patient_view
from lantern.access.models import Section
from lantern.audit.models import AuditAction
from lantern.core.redirects import safe_next_url

from . import waitlist
from .services import AppointmentError


@patient_view(section=Section.APPOINTMENTS, action=AuditAction.UPDATE, object_type="WaitlistEntry")
@require_POST
def waitlist_change(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    """The button on an appointment: ask for an earlier time, or stop asking."""
    access = request.patient_access
    back = safe_next_url(request, reverse("appointments:list", args=[access.patient.pk]))
    try:
        if request.POST.get("action") == "leave":
            waitlist.waitlist_leave(access=access, appointment_id=appointment_id)
        else:
            waitlist.waitlist_join(
                access=access,
                appointment_id=appointment_id,
                any_clinician=request.POST.get("any_clinician") == "on",
            )
    except AppointmentError as error:
        context = {"current_section": "appointments", "problem": str(error), "back": back}
        return render(request, "appointments/waitlist_problem.html", context, status=409)
    return redirect(back)


@patient_view(section=Section.APPOINTMENTS, action=AuditAction.UPDATE, object_type="WaitlistOffer")
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_offer(request: HttpRequest, offer_id: uuid.UUID) -> HttpResponse:
    """An earlier time offered from the waitlist: accept it, say no thanks, or read what became
    of it (taken by someone else, ended, accepted)."""
    access = request.patient_access
    problem = ""
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "accept":
                waitlist.waitlist_offer_accept(access=access, offer_id=offer_id)
            else:
                waitlist.waitlist_offer_decline(access=access, offer_id=offer_id)
        except AppointmentError as error:
            problem = str(error)
        else:
            return redirect(request.path)
    offer = waitlist.offer_for(access, offer_id)
    context = {
        "current_section": "appointments",
        "patient": access.patient,
        "offer": offer,
        "state": waitlist.offer_state(offer),
        "offered_time": waitlist.clinic_time_of(offer.starts_at, offer.location),
        "current_time": waitlist.clinic_time_of(
            offer.entry.appointment.starts_at, offer.entry.appointment.location
        ),
        "expires": waitlist.clinic_time_of(offer.expires_at, offer.location),
        "problem": problem,
    }
    return render(
        request, "appointments/waitlist_offer.html", context, status=409 if problem else 200
    )
