"""The first page after sign-in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lantern.access.decorators import signed_in
from lantern.access.policy import acts_for_others, is_staff_member, patient_access, people_for
from lantern.accounts.selectors import previous_sign_in
from lantern.appointments.selectors import next_appointment
from lantern.appointments.tickets import tickets_open
from lantern.audit.models import ActorRole

from . import selectors
from .people import people_listed
from .presenters import activity_rows
from .templatetags.acting_for import remember_acts_for_others


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    """Patients see their home page; staff without a patient record go to the console."""
    user = request.user
    if user.patient_id is None and is_staff_member(user):
        return redirect("staff:home")
    access = (
        patient_access(user, user.patient_id, object_type="dashboard") if user.patient_id else None
    )
    # The people this account cares for (none for most): listed first, with what needs attention.
    # For a patient, whether there are any is one small query; most patients need no more.
    if access is None or acts_for_others(user, access=access):
        others = people_for(user, include_self=False, object_type="people")
    else:
        others = []
    remember_acts_for_others(request, bool(others))
    last_sign_in = previous_sign_in(user=user)
    summary = selectors.home_summary(access=access) if access else None
    context = {
        "current_section": "home",
        "previous_sign_in": last_sign_in,
        "sign_in_device": selectors.short_device(last_sign_in.device) if last_sign_in else "",
        "first_name": (access.patient.given_names.split() or [""])[0]
        if access
        else (user.first_name.split() or [user.get_username()])[0],
        "patient": access.patient if access else None,
        "summary": summary,
        "activity_rows": activity_rows(summary.recent_activity, access.patient.pk)
        if summary
        else [],
        "email_waiting": bool(user.email and user.email_verified_at is None),
        "waiting_items": selectors.waiting_items(user=user),
        "unread_messages": summary.counts.unread_messages if summary else None,
        "next_visit": next_appointment(access=access) if access else None,
        "open_tickets": tickets_open(access) if access else [],
        "pending_refills": summary.counts.pending_refills if summary else 0,
        "people": people_listed(others),
    }
    return render(request, "home/home.html", context)


@signed_in
def people(request: HttpRequest) -> HttpResponse:
    """Whose record to look at: the account's own and those of the people it cares for."""
    accesses = people_for(request.user, object_type="people")
    remember_acts_for_others(request, any(access.role == ActorRole.PROXY for access in accesses))
    return render(
        request, "home/people.html", {"current_section": "home", "people": people_listed(accesses)}
    )
