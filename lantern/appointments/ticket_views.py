"""The console's "Invite to book" page: send a patient a booking invitation (a ticket) for one
visit between two dates, see the latest ones and what became of them, and withdraw one.

Console pages of one patient: only the patient's clinic staff whose role opens appointments
(`staff_patient_view`); anyone else gets 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lantern.access import policy
from lantern.access.models import Section
from lantern.audit.models import AuditAction
from lantern.staff.views import staff_patient_view

from . import tickets
from .ticket_forms import TicketForm


@staff_patient_view(
    section=Section.APPOINTMENTS, action=AuditAction.CREATE, object_type=tickets.OBJECT_TYPE
)
def ticket_new(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    organization = access.patient.managing_organization
    form = TicketForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tickets.ticket_send(
                access=access,
                visit_type=data["visit_type"],
                location=data["location"],
                clinician_id=data["clinician"].pk if data["clinician"] else None,
                earliest_on=data["earliest_on"],
                latest_on=data["latest_on"],
                note=data["note"],
                submission_id=data["submission_id"],
            )
        except tickets.TicketError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                f"{access.patient.display_name} can now book this visit from their home page.",
            )
            return redirect("appointments:staff_tickets", patient_id=access.patient.pk)
    if request.method == "POST":
        # Nothing was sent: the page was only shown again, with what to fix.
        policy.access_record(access, action=AuditAction.VIEW)
    context = {
        "current_section": "patients",
        "patient": access.patient,
        "form": form,
        "recent": tickets.tickets_recent(access),
    }
    return render(request, "appointments/tickets/staff_tickets.html", context)


@staff_patient_view(
    section=Section.APPOINTMENTS, action=AuditAction.UPDATE, object_type=tickets.OBJECT_TYPE
)
@require_POST
def ticket_withdraw(request: HttpRequest) -> HttpResponse:
    """Withdraw the invitation named in the form (ids stay out of the address, as on the other
    console pages of one patient)."""
    access = request.patient_access
    try:
        tickets.ticket_withdraw(access=access, ticket_id=request.POST.get("ticket", ""))
    except tickets.TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The invitation was withdrawn.")
    return redirect("appointments:staff_tickets", patient_id=access.patient.pk)
