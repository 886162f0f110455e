"""The first page after sign-in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lantern.access.decorators import signed_in
from lantern.access.policy import is_staff_member
from lantern.accounts.selectors import previous_sign_in


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    """Patients see their home page; staff without a patient record go to the console."""
    if request.user.patient_id is None and is_staff_member(request.user):
        return redirect("staff:home")
    context = {
        "current_section": "home",
        "previous_sign_in": previous_sign_in(user=request.user),
        "first_name": (request.user.patient.given_names.split() or [""])[0]
        if request.user.patient_id
        else request.user.get_username(),
    }
    return render(request, "home/home.html", context)
