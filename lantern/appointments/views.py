"""The patient's appointments: coming and past visits in the clinic's time, booking one
(visit type, clinician or first available, place, a week of open times, confirm), one visit's
page with its calendar file, moving and cancelling it, and asking the clinic for a visit.

Choices travel in the query string as ids (see `booking`); every write is a POST with a
one-time `submission_id`, so a double click or a retry acts once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from lantern.access.decorators import patient_view, signed_in
from lantern.access.models import Section
from lantern.access.policy import PatientAccess, access_record
from lantern.audit.models import ActorRole, AuditAction
from lantern.core.reversing import kept_reverse

from . import booking, ics, selectors, services, tickets
from .booking import ANY_CLINICIAN, Booking, start_parse
from .forms import CancelForm, ConfirmForm, RequestForm
from .services import AppointmentError, SlotTaken
from .tickets import TicketError

OBJECT_TYPE = "Appointment"
BOOKED = gettext_lazy("The visit is booked.")
MOVED = gettext_lazy("The visit is moved to the new time.")
CANCELLED = gettext_lazy("The visit is cancelled.")
REQUEST_SENT = gettext_lazy("Your request was sent. The clinic will answer in Messages.")


@signed_in
def my_appointments(request: HttpRequest) -> HttpResponse:
    """The navigation's "Appointments" link: the signed-in account's own appointments."""
    if request.user.patient_id is None:
        raise Http404
    return redirect("appointments:list", patient_id=request.user.patient_id)


@patient_view(section=Section.APPOINTMENTS, object_type=OBJECT_TYPE)
@require_safe
def appointment_list(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    listed = selectors.patient_appointments(access=access)
    context = {
        **_base_context(request),
        "upcoming": listed.upcoming,
        "past": listed.past,
        "open_tickets": tickets.tickets_open(access),
    }
    return render(request, "appointments/appointment_list.html", context)


@patient_view(section=Section.APPOINTMENTS, object_type="VisitType")
@require_safe
def book(request: HttpRequest) -> HttpResponse:
    """Each step of choosing a visit: what is chosen so far is in the query string."""
    chosen = booking.booking_choices(access=request.patient_access, params=request.GET)
    context = {**_base_context(request), "booking": chosen, "links": _step_links(request, chosen)}
    if chosen.step != "time":
        return render(request, "appointments/book_choose.html", context)
    context["week"] = booking.open_week(
        visit_type=chosen.visit_type,
        location=chosen.location,
        clinician_id=chosen.clinician_id,
        week=request.GET.get("week"),
        ticket=chosen.ticket,
    )
    context["time_href"] = _url(request, "appointments:book_confirm", chosen.params())
    context["week_href"] = _url(request, "appointments:book", chosen.params())
    return render(request, "appointments/book_time.html", context)


@patient_view(section=Section.APPOINTMENTS, action=AuditAction.CREATE, object_type=OBJECT_TYPE)
def book_confirm(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    if request.method == "POST":
        earlier = booking.appointment_submitted_before(access, request.POST.get("submission_id"))
        if earlier is not None:
            # The same form again (a double click, a retry): it booked once, show that visit.
            access_record(access, action=AuditAction.VIEW, object_id=earlier.pk)
            messages.success(request, BOOKED)
            return _to_appointment(earlier)
    chosen = booking.booking_choices(access=access, params=request.GET)
    starts_at = start_parse(request.GET.get("start"))
    if chosen.step != "time" or starts_at is None:
        # Choices missing or not offered: back to choosing, having read the clinic's offer.
        access_record(access, action=AuditAction.VIEW, object_type="VisitType")
        return redirect(_url(request, "appointments:book", chosen.params()))
    form = ConfirmForm(request.POST or None)
    problem = None
    if request.method == "POST":
        if form.is_valid():
            try:
                appointment = booking.appointment_book_at(
                    access=access,
                    booking=chosen,
                    starts_at=starts_at,
                    submission_id=form.cleaned_data["submission_id"],
                )
            except (AppointmentError, TicketError) as error:
                problem = error
            else:
                messages.success(request, BOOKED)
                return _to_appointment(appointment)
        # Nothing was booked: the page is shown again, with why.
        access_record(access, action=AuditAction.VIEW)
    return _confirm_page(request, chosen, starts_at, form, problem=problem)


@patient_view(section=Section.APPOINTMENTS, object_type=OBJECT_TYPE)
@require_safe
def appointment_detail(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    page = booking.appointment_for_page(
        access=request.patient_access, appointment_id=appointment_id
    )
    moved_to = booking.appointment_moved_to(
        access=request.patient_access, appointment=page.appointment
    )
    context = {
        **_base_context(request),
        "page": page,
        "appointment": page.appointment,
        "moved_to": moved_to,
    }
    return render(request, "appointments/appointment_detail.html", context)


@patient_view(section=Section.APPOINTMENTS, action=AuditAction.EXPORT, object_type=OBJECT_TYPE)
@require_safe
def appointment_calendar(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    """The visit as an .ics file; its name says nothing about the patient or the visit."""
    page = booking.appointment_for_page(
        access=request.patient_access, appointment_id=appointment_id, action=AuditAction.EXPORT
    )
    response = HttpResponse(ics.appointment_calendar(page.appointment), ics.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{ics.FILE_NAME}"'
    return response


@patient_view(section=Section.APPOINTMENTS, action=AuditAction.UPDATE, object_type=OBJECT_TYPE)
def appointment_cancel(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    access = request.patient_access
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_cancel(
                access=access, appointment_id=appointment_id, reason=form.cleaned_data["reason"]
            )
        except AppointmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, CANCELLED)
        return redirect(
            "appointments:detail", patient_id=access.patient.pk, appointment_id=appointment_id
        )
    page = booking.appointment_for_page(access=access, appointment_id=appointment_id)
    if not page.may_change:
        return _to_appointment(page.appointment)
    context = {**_base_context(request), "page": page, "appointment": page.appointment}
    return render(request, "appointments/appointment_cancel.html", {**context, "form": form})


@patient_view(section=Section.APPOINTMENTS, object_type=OBJECT_TYPE)
@require_safe
def appointment_change(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    """A week of open times to move the visit to, with its clinician or anyone free."""
    page = booking.appointment_for_page(
        access=request.patient_access, appointment_id=appointment_id
    )
    if not page.may_change:
        return _to_appointment(page.appointment)
    appointment = page.appointment
    any_clinician = request.GET.get("clinician") == ANY_CLINICIAN
    chosen = {"clinician": ANY_CLINICIAN} if any_clinician else {}
    context = {
        **_base_context(request),
        "page": page,
        "appointment": appointment,
        "any_clinician": any_clinician,
        "week": booking.open_week(
            visit_type=appointment.visit_type,
            location=appointment.location,
            clinician_id=None if any_clinician else appointment.clinician_id,
            week=request.GET.get("week"),
            ignoring=appointment.pk,
        ),
        "time_href": _url(request, "appointments:change_confirm", chosen, appointment.pk),
        "week_href": _url(request, "appointments:change", chosen, appointment.pk),
        "own_clinician_href": _url(request, "appointments:change", {}, appointment.pk),
        "any_clinician_href": _url(
            request, "appointments:change", {"clinician": ANY_CLINICIAN}, appointment.pk
        ),
    }
    return render(request, "appointments/appointment_change.html", context)


@patient_view(section=Section.APPOINTMENTS, action=AuditAction.UPDATE, object_type=OBJECT_TYPE)
def appointment_change_confirm(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    access = request.patient_access
    reading = request.method != "POST"
    page = booking.appointment_for_page(
        access=access, appointment_id=appointment_id, record=reading
    )
    appointment = page.appointment
    starts_at = start_parse(request.GET.get("start"))
    if starts_at is None:
        return redirect(
            "appointments:change", patient_id=access.patient.pk, appointment_id=appointment_id
        )
    any_clinician = request.GET.get("clinician") == ANY_CLINICIAN
    clinician_id = None if any_clinician else appointment.clinician_id
    form = ConfirmForm(request.POST or None)
    problem = None
    if not reading:
        if form.is_valid():
            try:
                moved = booking.appointment_move_to(
                    access=access,
                    appointment=appointment,
                    clinician_id=clinician_id,
                    starts_at=starts_at,
                    submission_id=form.cleaned_data["submission_id"],
                )
            except AppointmentError as error:
                problem = error
            else:
                messages.success(request, MOVED)
                return _to_appointment(moved)
        # Nothing was moved: the page is shown again, with why.
        access_record(access, action=AuditAction.VIEW, object_id=appointment.pk)
    elif not page.may_change:
        return _to_appointment(appointment)
    free, unavailable = booking.time_check(
        visit_type=appointment.visit_type,
        location=appointment.location,
        clinician_id=clinician_id,
        starts_at=starts_at,
        ignoring=appointment.pk,
    )
    problem = problem or unavailable
    chosen = {"clinician": ANY_CLINICIAN} if any_clinician else {}
    context = {
        **_base_context(request),
        "page": page,
        "appointment": appointment,
        "form": form,
        **_problem_context(problem, appointment.location),
        "new_time": booking.clinic_time_label(starts_at, appointment.location),
        "clinician_name": _clinician_name(
            free,
            booking.clinicians_named(free[:1]),
            None if any_clinician else appointment.clinician,
        ),
        "time_href": _url(request, "appointments:change_confirm", chosen, appointment.pk),
        "times_href": _url(request, "appointments:change", chosen, appointment.pk),
    }
    status = _status(problem) if not reading else 200
    return render(request, "appointments/appointment_change_confirm.html", context, status=status)


@patient_view(
    section=(Section.APPOINTMENTS, Section.MESSAGES),
    action=AuditAction.CREATE,
    object_type="Conversation",
)
def appointment_request(request: HttpRequest) -> HttpResponse:
    """Ask the clinic's scheduling inbox for a visit; it becomes a secure-message conversation."""
    access = request.patient_access
    if access.role == ActorRole.STAFF:
        # This form writes as the patient's side; the care team writes from the console.
        return redirect("staff:conversation_start", patient_id=access.patient.pk)
    pool = booking.request_pool(access=access)
    visit_types = booking.booking_choices(access=access, params={}).visit_types
    form = RequestForm(
        request.POST or None, visit_types=visit_types, initial={"visit": request.GET.get("visit")}
    )
    if request.method == "POST" and pool is not None and form.is_valid():
        try:
            conversation = booking.appointment_request(
                access=access,
                pool=pool,
                visit=form.visit_label(),
                preferred_times=form.cleaned_data["preferred_times"].strip(),
                details=form.cleaned_data["details"].strip(),
                submission_id=form.cleaned_data["submission_id"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, REQUEST_SENT)
            return redirect(
                "messaging:detail", patient_id=access.patient.pk, conversation_id=conversation.pk
            )
    if request.method == "POST":
        access_record(access, action=AuditAction.VIEW)
    context = {
        **_base_context(request),
        "form": form,
        "pool": pool,
        "reply_days": settings.MESSAGE_REPLY_BUSINESS_DAYS,
    }
    return render(request, "appointments/appointment_request.html", context)


# Helpers of the pages above.


def _base_context(request: HttpRequest) -> dict:
    access: PatientAccess = request.patient_access
    return {
        "current_section": "appointments",
        "patient": access.patient,
        "may_request": access.may(Section.MESSAGES) and access.role != ActorRole.STAFF,
    }


def _url(
    request: HttpRequest,
    name: str,
    params: Mapping[str, str],
    appointment_id: uuid.UUID | None = None,
) -> str:
    kwargs = {"patient_id": request.patient_access.patient.pk}
    if appointment_id is not None:
        kwargs["appointment_id"] = appointment_id
    path = kept_reverse(name, kwargs=kwargs)
    return f"{path}?{urlencode(params)}" if params else path


def _minutes(length: int) -> str:
    return ngettext("%(count)s minute", "%(count)s minutes", length) % {"count": length}


def _step_links(request: HttpRequest, chosen: Booking) -> dict[str, object]:
    """The links of the choosing steps: each option, and "change" for each choice made."""
    book = "appointments:book"
    visit = {"visit": str(chosen.visit_type.pk)} if chosen.visit_type is not None else {}
    if chosen.ticket is not None:
        # The clinic's invitation fixes the visit; the steps carry the invitation instead.
        visit = {"ticket": str(chosen.ticket.pk)}
    options: list[tuple[str, str, str]] = []
    if chosen.step == "visit":
        options = [
            (item.name, _minutes(item.length_minutes), _url(request, book, {"visit": item.pk}))
            for item in chosen.bookable
        ]
    elif chosen.step == "clinician":
        options = [
            (
                _("First available"),
                _("The first clinician free at the time you choose"),
                _url(request, book, {**visit, "clinician": ANY_CLINICIAN}),
            ),
            *(
                (_person(item), "", _url(request, book, {**visit, "clinician": item.pk}))
                for item in chosen.clinicians
            ),
        ]
    elif chosen.step == "place":
        options = [
            (item.name, ics.place_address(item), _url(request, book, chosen.params(place=item.pk)))
            for item in chosen.locations
        ]
    return {
        "options": options,
        "requests": [
            (item.name, _url(request, "appointments:request", {"visit": item.pk}))
            for item in chosen.request_only
        ],
        "change_visit": _url(request, book, {}) if chosen.ticket is None else "",
        "change_clinician": _url(request, book, visit) if len(chosen.clinicians) > 1 else "",
        "change_place": _url(request, book, chosen.params(place=None, week=None))
        if len(chosen.locations) > 1
        else "",
        "back": _url(request, "appointments:list", {}),
    }


def _confirm_page(
    request: HttpRequest, chosen: Booking, starts_at, form: ConfirmForm, *, problem=None
) -> HttpResponse:
    free, unavailable = booking.time_check(
        visit_type=chosen.visit_type,
        location=chosen.location,
        clinician_id=chosen.clinician_id,
        starts_at=starts_at,
        ticket=chosen.ticket,
    )
    problem = problem or unavailable
    context = {
        **_base_context(request),
        "booking": chosen,
        "form": form,
        **_problem_context(problem, chosen.location),
        "starts_at": booking.clinic_time_label(starts_at, chosen.location),
        "address": ics.place_address(chosen.location),
        "clinician_name": _clinician_name(free, chosen.clinicians, chosen.clinician),
        "time_href": _url(request, "appointments:book_confirm", chosen.params()),
        "times_href": _url(request, "appointments:book", chosen.params()),
    }
    status = _status(problem) if request.method == "POST" else 200
    return render(request, "appointments/book_confirm.html", context, status=status)


def _problem_context(problem: AppointmentError | None, location) -> dict[str, object]:
    """What the page says when the time cannot be booked, with the next open times if taken."""
    taken = isinstance(problem, SlotTaken)
    next_times = problem.next_open_times if taken else []
    return {
        "problem": problem,
        "taken": taken,
        "next_times": [booking.time_choice(time.starts_at, location) for time in next_times],
    }


def _clinician_name(free: tuple[int, ...], clinicians, chosen) -> str:
    """Who the visit would be with: the chosen clinician, or the first one free."""
    if chosen is not None:
        return _person(chosen)
    names = {clinician.pk: _person(clinician) for clinician in clinicians}
    return names.get(free[0], "") if free else ""


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _status(problem: AppointmentError | None) -> int:
    if problem is None:
        return 200
    return 409 if isinstance(problem, SlotTaken) else 400


def _to_appointment(appointment) -> HttpResponse:
    return redirect(
        "appointments:detail", patient_id=appointment.patient_id, appointment_id=appointment.pk
    )
