"""The clinic's schedules in the staff console: the day of a clinician or a place, the setup
(visit types, places, weekly hours, exceptions), and a patient's visits booked, moved,
cancelled and marked by staff.

Schedule pages resolve the clinic through `policy.clinic_schedule` (any staff role that opens
appointments reads and books; administrators change the setup); a patient's pages are console
pages of that patient (`staff_patient_view`) and write through `services.py` with the staff
access, so staff are not bound by the cancellation cut-off but are by the no-overlap rule.
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
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lantern.access import policy
from lantern.access.decorators import ACCESS_RULE_ATTRIBUTE, is_fully_signed_in, staff_view
from lantern.access.models import Section
from lantern.access.policy import ClinicSchedule
from lantern.audit.models import AuditAction
from lantern.clinical.models import Organization
from lantern.staff.views import staff_patient_view

from . import schedule as clinic
from . import selectors, services
from .models import Appointment, AppointmentStatus, ExceptionKind
from .staff_forms import (
    BookingChoiceForm,
    CancelForm,
    ConfirmForm,
    DayForm,
    LocationForm,
    MarkForm,
    RemoveForm,
    RescheduleForm,
    ScheduleExceptionForm,
    VisitTypeForm,
    WeeklyHoursForm,
)

SECTION = "schedule"
OBJECT_TYPE = "Appointment"
APPOINTMENTS = Section.APPOINTMENTS


def _clinic(request: HttpRequest, *, manage: bool = False) -> ClinicSchedule:
    return policy.clinic_schedule(request.user, request.GET.get("clinic"), manage=manage)


def _clinic_query(schedule: ClinicSchedule) -> str:
    return f"?clinic={schedule.organization.pk}"


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    schedule = context["schedule"]
    context = {"current_section": SECTION, "clinic_query": _clinic_query(schedule), **context}
    return render(request, f"appointments/staff/{template}", context, status=status)


# The day view.


@staff_view(section=Section.APPOINTMENTS)
def schedule_day(request: HttpRequest) -> HttpResponse:
    schedule = _clinic(request)
    form = DayForm(request.GET)
    form.is_valid()
    choice = form.cleaned_data if form.is_valid() else {}
    clinician = location = None
    if choice.get("clinician"):
        clinician = clinic.clinician_get(schedule, choice["clinician"])
    elif choice.get("location"):
        location = clinic.location_get(schedule, choice["location"])
    else:
        location = clinic.clinic_locations(schedule, active_only=True).first()
    day = choice.get("date") or timezone.now().astimezone(clinic.clinic_zone(schedule)).date()
    context = {
        "schedule": schedule,
        "day": day,
        "clinician": clinician,
        "location": location,
        "locations": clinic.clinic_locations(schedule),
        "clinicians": clinic.clinic_clinicians(schedule),
        "clinics": _other_clinics(request, schedule),
    }
    if clinician is not None or location is not None:
        context["plan"] = clinic.schedule_day(
            schedule, day=day, clinician=clinician, location=location
        )
        context["whose"] = f"clinician={clinician.pk}" if clinician else f"location={location.pk}"
    return _page(request, "day.html", context)


def _other_clinics(request: HttpRequest, schedule: ClinicSchedule) -> list[Any]:
    return list(
        Organization.objects.filter(pk__in=policy.staff_organizations(request.user))
        .exclude(pk=schedule.organization.pk)
        .order_by("name")[:20]
    )


# Setup.


@staff_view(section=Section.APPOINTMENTS)
def setup_index(request: HttpRequest) -> HttpResponse:
    schedule = _clinic(request)
    context = {
        "schedule": schedule,
        "visit_types": clinic.clinic_visit_types(schedule)[:100],
        "locations": clinic.clinic_locations(schedule)[:100],
        "clinicians": clinic.clinic_clinicians(schedule)[:200],
    }
    return _page(request, "setup.html", context)


@staff_view(section=Section.APPOINTMENTS)
def visit_type_edit(request: HttpRequest, visit_type_id: int | None = None) -> HttpResponse:
    schedule = _clinic(request, manage=True)
    visit_type = clinic.visit_type_get(schedule, visit_type_id) if visit_type_id else None
    return _setup_form(request, schedule, VisitTypeForm, visit_type, "visit type")


@staff_view(section=Section.APPOINTMENTS)
def location_edit(request: HttpRequest, location_id: int | None = None) -> HttpResponse:
    schedule = _clinic(request, manage=True)
    location = clinic.location_get(schedule, location_id) if location_id else None
    return _setup_form(request, schedule, LocationForm, location, "place")


def _setup_form(request, schedule, form_class, record, noun: str) -> HttpResponse:
    form = form_class(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        clinic.setup_save(schedule, saved)
        messages.success(request, f"The {noun} {saved.name} was saved.")
        return redirect(reverse("staff:schedule:setup") + _clinic_query(schedule))
    context = {"schedule": schedule, "form": form, "record": record, "noun": noun}
    return _page(request, "setup_form.html", context, status=400 if form.errors else 200)


@staff_view(section=Section.APPOINTMENTS)
def clinician_setup(request: HttpRequest, clinician_id: int) -> HttpResponse:
    schedule = _clinic(request)
    clinician = clinic.clinician_get(schedule, clinician_id)
    return _clinician_page(request, schedule, clinician)


def _clinician_page(request, schedule, clinician, *, hours_form=None, exception_form=None):
    context = {
        "schedule": schedule,
        "clinician": clinician,
        "clinician_name": clinic.clinician_name(clinician),
        "hours": clinic.clinician_hours(schedule, clinician),
        "exceptions": clinic.clinician_exceptions(schedule, clinician),
        "hours_form": hours_form or WeeklyHoursForm(schedule=schedule, clinician=clinician),
        "exception_form": exception_form or ScheduleExceptionForm(schedule=schedule),
    }
    failed = hours_form is not None or exception_form is not None
    return _page(request, "clinician.html", context, status=400 if failed else 200)


@staff_view(section=Section.APPOINTMENTS)
@require_POST
def weekly_hours_add(request: HttpRequest, clinician_id: int) -> HttpResponse:
    schedule = _clinic(request, manage=True)
    clinician = clinic.clinician_get(schedule, clinician_id)
    form = WeeklyHoursForm(request.POST, schedule=schedule, clinician=clinician)
    if form.is_valid():
        try:
            clinic.weekly_hours_add(schedule, clinician=clinician, **form.cleaned_data)
        except clinic.ScheduleError as error:
            form.add_error("starts_at", str(error))
        else:
            messages.success(request, "The hours were added.")
            return _to_clinician(schedule, clinician)
    return _clinician_page(request, schedule, clinician, hours_form=form)


@staff_view(section=Section.APPOINTMENTS)
@require_POST
def weekly_hours_remove(request: HttpRequest, clinician_id: int) -> HttpResponse:
    schedule = _clinic(request, manage=True)
    clinician = clinic.clinician_get(schedule, clinician_id)
    form = RemoveForm(request.POST)
    if form.is_valid() and clinic.weekly_hours_remove(
        schedule, clinician=clinician, hours_id=form.cleaned_data["row"]
    ):
        messages.success(request, "The hours were removed.")
    return _to_clinician(schedule, clinician)


@staff_view(section=Section.APPOINTMENTS)
@require_POST
def exception_add(request: HttpRequest, clinician_id: int) -> HttpResponse:
    schedule = _clinic(request, manage=True)
    clinician = clinic.clinician_get(schedule, clinician_id)
    form = ScheduleExceptionForm(request.POST, schedule=schedule)
    if not form.is_valid():
        return _clinician_page(request, schedule, clinician, exception_form=form)
    data = form.cleaned_data
    clinic.schedule_exception_add(
        schedule,
        clinician=clinician,
        kind=ExceptionKind(data["kind"]),
        location=data["location"],
        starts_at=data["starts"],
        ends_at=data["ends"],
        note=data["note"],
    )
    messages.success(request, f"The {ExceptionKind(data['kind']).label.lower()} was added.")
    return _to_clinician(schedule, clinician)


@staff_view(section=Section.APPOINTMENTS)
@require_POST
def exception_remove(request: HttpRequest, clinician_id: int) -> HttpResponse:
    schedule = _clinic(request, manage=True)
    clinician = clinic.clinician_get(schedule, clinician_id)
    form = RemoveForm(request.POST)
    if form.is_valid() and clinic.schedule_exception_remove(
        schedule, clinician=clinician, exception_id=form.cleaned_data["row"]
    ):
        messages.success(request, "The exception was removed.")
    return _to_clinician(schedule, clinician)


def _to_clinician(schedule: ClinicSchedule, clinician: Any) -> HttpResponse:
    url = reverse("staff:schedule:clinician", kwargs={"clinician_id": clinician.pk})
    return redirect(url + _clinic_query(schedule))


# A patient's visits.


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
        context["week_url"] = f"{request.path}?{context['choice_query']}&"
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
        "previous_week": week - dt.timedelta(days=7) if week > today else None,
        "next_week": week + dt.timedelta(days=7),
        "choice_query": _choice_query(choice),
        "visit_type_id": choice["visit_type"].pk,
        "location_id": location.pk,
    }


def _by_local_day(times, location, names) -> list[tuple[str, list[dict[str, Any]]]]:
    days: dict[str, list[dict[str, Any]]] = {}
    for time in times:
        local = time.starts_at.astimezone(location.zone)
        who = time.clinician_ids[0]
        days.setdefault(f"{local:%A, %B} {local.day}", []).append(
            {
                "label": f"{local:%I:%M %p %Z}".lstrip("0"),
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
    return (
        f"{choice['visit_type'].name} with {clinic.clinician_name(choice['clinician'])} at "
        f"{location.name}, {local:%A, %B} {local.day}, {local:%I:%M %p %Z}".replace(" 0", " ")
        + " (clinic time)"
    )


def _times_words(times, location) -> list[dict[str, Any]]:
    return [
        {
            "label": f"{time.starts_at.astimezone(location.zone):%A %B %d, %I:%M %p %Z}",
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
    context.update(week, submission_id=uuid.uuid4(), week_url=f"{request.path}?")
    status = 409 if "taken" in context else 400 if "problem" in context else 200
    return render(request, "appointments/staff/reschedule.html", context, status=status)


def _week_param(request: HttpRequest) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return None
