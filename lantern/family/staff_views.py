"""The console's "Family access" pages: a patient's proxies and their history, recording a
parent, guardian or power of attorney after checking documents, and ending anyone's access.

Console pages of one patient: only the patient's clinic staff in a role that opens personal
details (`staff_patient_view`); anyone else gets 404. Relationships are named in forms, never
in addresses.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lantern.access import policy
from lantern.access.models import ProxyStatus, Section
from lantern.audit.models import AuditAction
from lantern.staff.views import staff_patient_view

from . import selectors, services
from .forms import StaffEndAccessForm, StaffGrantForm

OBJECT_TYPE = services.OBJECT_TYPE


@staff_patient_view(
    section=Section.DEMOGRAPHICS, action=AuditAction.CREATE, object_type=OBJECT_TYPE
)
def family_access(request: HttpRequest) -> HttpResponse:
    """Who may act for the patient, who did, and the form to record someone new."""
    access = request.patient_access
    form = StaffGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            relationship = services.proxy_access_grant(
                access=access,
                account_name=data["account"],
                kind=data["kind"],
                permissions=data["permissions"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
                identity_checked=data["identity_checked"],
                submission_id=data["submission_id"],
            )
        except services.FamilyError as error:
            form.add_error(error.field, error.message)
        else:
            who = selectors.relationship_who(relationship)
            if relationship.status == ProxyStatus.PENDING:
                messages.success(
                    request,
                    f"No account had that email address, so we sent {who} an invitation. "
                    f"Once they create an account and accept, they can act for "
                    f"{access.patient.display_name}.",
                )
            else:
                messages.success(request, f"{who} can now act for {access.patient.display_name}.")
            return redirect("family:staff_family", patient_id=access.patient.pk)
    if request.method == "POST":
        # Nothing was recorded: the page was only shown again, with what to fix.
        policy.access_record(access, action=AuditAction.VIEW)
    return _page(request, "family/staff/family.html", form=form)


@staff_patient_view(
    section=Section.DEMOGRAPHICS, action=AuditAction.UPDATE, object_type=OBJECT_TYPE
)
def access_end(request: HttpRequest) -> HttpResponse:
    """The relationships that can end, each with its reason and button: the confirmation step."""
    access = request.patient_access
    form = StaffEndAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ended = services.relationship_end(
                access=access,
                relationship_id=form.cleaned_data["relationship"],
                reason=form.cleaned_data["reason"],
            )
        except services.FamilyError as error:
            messages.error(request, error.message)
        else:
            if ended:
                messages.success(request, "Their access has ended.")
            return redirect("family:staff_family", patient_id=access.patient.pk)
    if request.method == "POST":
        policy.access_record(access, action=AuditAction.VIEW)
    return _page(request, "family/staff/end.html", form=form)


def _page(request: HttpRequest, template: str, **context) -> HttpResponse:
    access = request.patient_access
    return render(
        request,
        template,
        {
            "current_section": "patients",
            "patient": access.patient,
            "overview": selectors.family_for_patient(access=access),
            **context,
        },
    )
