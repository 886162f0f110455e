"""Pages for connected apps: a person's list with "Disconnect", and the clinic's registry."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lantern.access.decorators import signed_in, staff_view
from lantern.access.models import StaffRole
from lantern.access.policy import is_staff_member
from lantern.fhir_api import app_selectors as selectors
from lantern.fhir_api import services
from lantern.fhir_api.forms import AppRegistrationForm
from lantern.fhir_api.models import RegisteredApp

SECTION = "connected-apps"


@signed_in
def connected_apps(request: HttpRequest) -> HttpResponse:
    """Per account, so there is no id in the address: each account sees its own apps."""
    staff_only = request.user.patient_id is None and is_staff_member(request.user)
    context = {
        "layout": "layouts/staff.html" if staff_only else "layouts/patient.html",
        "apps": selectors.connected_apps_for(user=request.user),
        "current_section": SECTION,
    }
    return render(request, "fhir_api/connected_apps.html", context)


@signed_in
@require_POST
def connected_app_disconnect(request: HttpRequest, authorization_id) -> HttpResponse:
    if services.app_authorization_revoke(user=request.user, authorization_id=authorization_id):
        messages.success(request, _("The app was disconnected. It can no longer read anything."))
    else:
        messages.info(request, _("That app was already disconnected."))
    return redirect("smart:connected_apps")


def _administrator_only(request: HttpRequest) -> None:
    if StaffRole.ADMINISTRATOR not in request.staff_roles:
        raise Http404


@staff_view
def registered_app_list(request: HttpRequest) -> HttpResponse:
    _administrator_only(request)
    form = AppRegistrationForm(request.POST if request.method == "POST" else None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        registration, secret = services.registered_app_create(
            staff_user=request.user,
            name=form.cleaned_data["name"],
            confidential=form.cleaned_data["client_type"] == "confidential",
            redirect_uris=form.cleaned_data["redirect_uris"],
            allowed_scope=form.cleaned_data["allowed_scope"],
            description=form.cleaned_data["description"],
        )
        context = {
            "registration": registration,
            "secret": secret,
            "fhir_base_url": settings.FHIR_BASE_URL,
            "current_section": SECTION,
        }
        # The secret is shown once, on this answer to the POST, and never stored in plain.
        return render(request, "fhir_api/staff/app_registered.html", context)
    context = {
        "apps": selectors.registered_apps(),
        "form": form,
        "current_section": SECTION,
    }
    return render(
        request,
        "fhir_api/staff/apps.html",
        context,
        status=400 if form.is_bound else 200,
    )


@staff_view
@require_POST
def registered_app_switch(request: HttpRequest, client_id: str) -> HttpResponse:
    _administrator_only(request)
    registration = RegisteredApp.objects.filter(application__client_id=client_id).first()
    if registration is None:
        raise Http404
    disable = request.POST.get("disable") == "1"
    services.registered_app_set_disabled(
        staff_user=request.user, registration_id=registration.pk, disabled=disable
    )
    name = registration.application.name
    messages.success(
        request,
        f"{name} is switched off: its tokens no longer work."
        if disable
        else f"{name} is switched on again.",
    )
    return redirect("smart:staff_apps")
