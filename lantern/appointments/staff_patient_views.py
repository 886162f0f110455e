"""A patient's visits in the staff console: listed, booked (any visit type, a week of open
times at a time, then confirmed once), moved, cancelled and marked by the clinic's staff.

Console patient pages (`staff_patient_view`, the appointments section) that write through
`services.py` with the staff access: staff are not bound by the cancellation cut-off, but are by
the database's no-overlap rule, whose refusal shows "That time was just taken".
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lantern.access import policy
from lantern.access.decorators import ACCESS_RULE_ATTRIBUTE, is_fully_signed_in
from lantern.access.models import Section
from lantern.access.policy import ClinicSchedule
from lantern.audit.models import AuditAction
from lantern.staff.views import staff_patient_view

from . import schedule as clinic
from . import selectors, services
from .models import Appointment, AppointmentStatus
from .staff_forms import BookingChoiceForm, CancelForm, ConfirmForm, MarkForm, RescheduleForm

OBJECT_TYPE = "Appointment"
APPOINTMENTS = Section.APPOINTMENTS
DAY_FORMAT = "l, F j"
TIME_FORMAT = "g:i A T"


def _patient_clinic(request: HttpRequest) -> ClinicSchedule:
    """The patient's own clinic, as this staff member's schedule scope."""
    patient = request.patient_access.patient
    return policy.clinic_schedule(request.user, patient.managing_organization_id)


@staff_patient_view(section=Section.APPOINTMENTS, object_type=OBJECT_TYPE)
def patient_appointments(request: HttpRequest) -> HttpResponse:
    listed = selectors.patient_appointments(access=request.patient_access)
    context = {
        "patient": request.patient_access.patient,
        "upcoming": listed.upcoming,
        "past": listed.past,
    }
    return render(request, "appointments/staff/patient_appointments.html", context)


@staff_patient_view(section=Section.APPOINTMENTS, object_type="OpenTimes")
def patient_book(request: HttpRequest) -> HttpResponse:
    """Choose a visit type, place and clinician, then an open time in a week."""
    schedule = _patient_clinic(request)
    form = BookingChoiceForm(request.GET or None, schedule=schedule)
    context: dict[str, Any] = {"patient": request.patient_access.patient, "form": form}
    if form.is_valid():
        context.update(_week_of_open_times(schedule, form.cleaned_data))
    return render(request, "appointments/staff/book.html", context)


def _week_of_open_times(
    schedule: ClinicSchedule, choice: dict[str, Any], *, ignoring: uuid.UUID | None = None
) -> dict[str, Any]:
    location = choice["location"]
    today = timezone.now().astimezone(location.zone).date()
    week = max(choice.get("week") or today, today)
    clinician = choice.get("clinician")
    times = selectors.open_times(
        visit_type=choice["visit_type"],
        location=location,
        start_date=week,
        clinician_id=clinician.pk if clinician else None,
        ignoring_appointment=ignoring,
    )
    clinicians = clinic.clinic_clinicians(schedule)
    names = {person.pk: clinic.clinician_name(person) for person in clinicians}
    return {
        "days": _by_local_day(times, location, names),
        "week": week,
        "week_steps": [
            *([(week - dt.timedelta(days=7), "Earlier week")] if week > today else []),
            (week + dt.timedelta(days=7), "Later week"),
        ],
        "week_hidden": [
            ("visit_type", choice["visit_type"].pk),
            ("location", location.pk),
            ("clinician", clinician.pk if clinician else ""),
        ],
        "choice_query": _choice_query(choice),
        "visit_type_id": choice["visit_type"].pk,
        "location_id": location.pk,
    }


def _by_local_day(times, location, names) -> list[tuple[str, list[dict[str, Any]]]]:
    """The open times grouped by local day, each with its clinic-time label and clinician."""
    days: dict[str, list[dict[str, Any]]] = {}
    for time in times:
        local = time.starts_at.astimezone(location.zone)
        who = time.clinician_ids[0]
        days.setdefault(dateformat.format(local, DAY_FORMAT), []).append(
            {
                "label": dateformat.format(local, TIME_FORMAT),
                "starts_at": time.starts_at.astimezone(dt.UTC).isoformat(),
                "clinician_id": who,
                "clinician": names.get(who, "A clinician"),
            }
        )
    return list(days.items())


def _choice_query(choice: dict[str, Any]) -> str:
    clinician = choice.get("clinician")
    return (
        f"visit_type={choice['visit_type'].pk}&location={choice['location'].pk}"
        f"&clinician={clinician.pk if clinician else ''}"
    )


@staff_patient_view(section=APPOINTMENTS, action=AuditAction.CREATE, object_type=OBJECT_TYPE)
def patient_book_confirm(request: HttpRequest) -> HttpResponse:
    """Show the chosen time (GET) and book it (POST, once per `submission_id`)."""
    access = request.patient_access
    schedule = _patient_clinic(request)
    if request.method == "POST":
        data = request.POST
    else:
        # The confirmation page carries a fresh key: its one POST books once, however often sent.
        data = request.GET.copy()
        data["submission_id"] = str(uuid.uuid4())
    form = ConfirmForm(data, schedule=schedule)
    context: dict[str, Any] = {"patient": access.patient, "form": form}
    if not form.is_valid():
        # A confirmation link without a full choice says to choose again (a bad POST is 400).
        status = 400 if request.method == "POST" else 200
        return render(request, "appointments/staff/confirm.html", context, status=status)
    choice = form.cleaned_data
    context["chosen"] = _chosen_words(choice)
    if request.method != "POST":
        return render(request, "appointments/staff/confirm.html", context)
    try:
        appointment = services.appointment_book(
            access=access,
            visit_type=choice["visit_type"],
            location=choice["location"],
            clinician_id=choice["clinician"].pk,
            starts_at=choice["starts_at"],
            submission_id=choice["submission_id"],
        )
    except services.SlotTaken as taken:
        context["taken"] = _times_words(taken.next_open_times, choice["location"])
        context["choice_query"] = _choice_query(choice)
        return render(request, "appointments/staff/confirm.html", context, status=409)
    except services.AppointmentError as error:
        context["problem"] = str(error)
        return render(request, "appointments/staff/confirm.html", context, status=400)
    messages.success(request, f"Booked: {context['chosen']}.")
    return redirect(_appointment_url(appointment))


def _chosen_words(choice: dict[str, Any]) -> str:
    location = choice["location"]
    local = choice["starts_at"].astimezone(location.zone)
    when = dateformat.format(local, f"{DAY_FORMAT}, {TIME_FORMAT}")
    return (
        f"{choice['visit_type'].name} with {clinic.clinician_name(choice['clinician'])} at "
        f"{location.name}, {when} (clinic time)"
    )


def _times_words(times, location) -> list[dict[str, Any]]:
    return [
        {
            "label": dateformat.format(
                time.starts_at.astimezone(location.zone), f"{DAY_FORMAT}, {TIME_FORMAT}"
            ),
            "starts_at": time.starts_at.astimezone(dt.UTC).isoformat(),
            "clinician_id": time.clinician_ids[0],
        }
        for time in times
    ]


def _appointment_url(appointment: Appointment) -> str:
    return reverse(
        "staff:schedule:appointment",
        kwargs={"patient_id": appointment.patient_id, "appointment_id": appointment.pk},
    )


def console_appointment_view(*, action: AuditAction = AuditAction.VIEW):
    """staff_patient_view for a page naming one of the patient's appointments. Someone who is
    not staff is refused as for any object out of their scope: 404 and a denied event."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        inner = staff_patient_view(section=APPOINTMENTS, action=action, object_type=OBJECT_TYPE)(
            view
        )

        @wraps(inner)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if is_fully_signed_in(request.user) and not policy.is_staff_member(request.user):
                reads = request.method in ("GET", "HEAD")
                policy.access_denied_record(
                    request.user,
                    kwargs.get("patient_id"),
                    action=AuditAction.VIEW if reads else action,
                    object_type=OBJECT_TYPE,
                    object_id=str(kwargs.get("appointment_id", "")),
                )
                raise Http404
            return inner(request, *args, **kwargs)

        setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "patient")
        return wrapper

    return decorate


def _appointment_found(
    request: HttpRequest, appointment_id: uuid.UUID, *, record: bool = True
) -> Appointment:
    """The patient's appointment, audited as viewed (`record=False` when a service records the
    change that follows)."""
    access = request.patient_access
    return policy.object_get(
        access,
        selectors.appointments_for_patient(access),
        appointment_id,
        object_type=OBJECT_TYPE,
        record=record,
    )


@console_appointment_view()
def patient_appointment(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    appointment = _appointment_found(request, appointment_id)
    context = {
        "patient": request.patient_access.patient,
        "appointment": appointment,
        "cancel_form": CancelForm(),
        "next": request.get_full_path(),
    }
    return render(request, "appointments/staff/appointment.html", context)


@console_appointment_view(action=AuditAction.UPDATE)
@require_POST
def appointment_cancel(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        appointment = services.appointment_cancel(
            access=request.patient_access, appointment_id=appointment_id, reason=reason
        )
    except services.AppointmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The visit was cancelled.")
        return redirect(_appointment_url(appointment))
    return redirect(
        "staff:schedule:appointment",
        patient_id=request.patient_access.patient.pk,
        appointment_id=appointment_id,
    )


@console_appointment_view(action=AuditAction.UPDATE)
@require_POST
def appointment_mark(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    form = MarkForm(request.POST)
    if not form.is_valid():
        raise Http404
    status = AppointmentStatus(form.cleaned_data["status"])
    try:
        services.appointment_mark(
            access=request.patient_access, appointment_id=appointment_id, status=status
        )
    except services.AppointmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Marked {status.label.lower()}.")
    back = form.cleaned_data["next"]
    if back.startswith("/staff/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return redirect(back)
    return redirect(
        "staff:schedule:appointment",
        patient_id=request.patient_access.patient.pk,
        appointment_id=appointment_id,
    )


@console_appointment_view(action=AuditAction.UPDATE)
def appointment_reschedule(request: HttpRequest, appointment_id: uuid.UUID) -> HttpResponse:
    """A week of open times for the same visit (GET); moving it to one of them (POST)."""
    access = request.patient_access
    schedule = _patient_clinic(request)
    old = _appointment_found(request, appointment_id, record=request.method != "POST")
    context: dict[str, Any] = {"patient": access.patient, "appointment": old}
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if not form.is_valid():
            raise Http404
        data = form.cleaned_data
        try:
            new = services.appointment_reschedule(
                access=access,
                appointment_id=old.pk,
                starts_at=data["starts_at"],
                submission_id=data["submission_id"],
                clinician_id=clinic.clinician_get(schedule, data["clinician"]).pk,
                location=clinic.location_get(schedule, data["location"]),
            )
        except services.SlotTaken as taken:
            context["taken"] = _times_words(taken.next_open_times, old.location)
        except services.AppointmentError as error:
            context["problem"] = str(error)
        else:
            messages.success(request, "The visit was moved.")
            return redirect(_appointment_url(new))
    choice = {
        "visit_type": old.visit_type,
        "location": old.location,
        "clinician": old.clinician,
        "week": _week_param(request),
    }
    week = _week_of_open_times(schedule, choice, ignoring=old.pk)
    context.update(week, submission_id=uuid.uuid4(), week_hidden=[])
    status = 409 if "taken" in context else 400 if "problem" in context else 200
    return render(request, "appointments/staff/reschedule.html", context, status=status)


def _week_param(request: HttpRequest) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return None
