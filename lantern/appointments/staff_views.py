"""The clinic's schedules in the staff console: the day of a clinician or a place, and the
setup (visit types, places, weekly hours, exceptions). A patient's visits are in
staff_patient_views.py.

Every page resolves the clinic through `policy.clinic_schedule`: any staff role that opens
appointments reads the schedules; only administrators change the setup (`manage=True`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.http import require_POST

from lantern.access import policy
from lantern.access.decorators import staff_view
from lantern.access.models import Section
from lantern.access.policy import ClinicSchedule
from lantern.clinical.models import Organization
from lantern.core.statements import Statement, param_for

from . import schedule as clinic
from .models import ExceptionKind
from .schedule_day import schedule_day as day_plan
from .staff_forms import (
    DayForm,
    LocationForm,
    RemoveForm,
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
    # Each field that is valid counts (a bad date alone falls back to today).
    form.is_valid()
    choice = form.cleaned_data
    clinician = location = None
    # The clinic's zone is its first active place's (`clinic.clinic_zone`), the place shown when
    # none is chosen: read once for both.
    zone = None
    if choice.get("clinician"):
        clinician = clinic.clinician_get(schedule, choice["clinician"])
    elif choice.get("location"):
        location = clinic.location_get(schedule, choice["location"])
    else:
        location = clinic.clinic_first_location(schedule)
        zone = location.zone if location is not None else None
    day = (
        choice.get("date") or timezone.now().astimezone(zone or clinic.clinic_zone(schedule)).date()
    )
    context = {
        "schedule": schedule,
        "day": day,
        **_day_words(request, day),
        "clinician": clinician,
        "location": location,
        "locations": clinic.clinic_locations_listed(schedule),
        "clinicians": clinic.clinic_clinicians_listed(schedule),
        "clinics": _other_clinics(request, schedule),
    }
    if clinician is not None or location is not None:
        context["plan"] = day_plan(schedule, day=day, clinician=clinician, location=location)
        context["whose_name"] = "clinician" if clinician else "location"
        context["whose_value"] = (clinician or location).pk
        plan = context["plan"]
        context["day_steps"] = [
            (step.isoformat(), label, dateformat.format(step, "l, F j"))
            for step, label in ((plan.previous_day, "Previous day"), (plan.next_day, "Next day"))
        ]
    return _page(request, "day.html", context)


def _day_words(request: HttpRequest, day: dt.date) -> dict[str, str]:
    """What the day view repeats, made once: the day in words and as a form value, the page's
    address (its forms' action) and where a marking form returns to."""
    return {
        "day_words": dateformat.format(day, "l, F j, Y"),
        "day_value": day.isoformat(),
        "day_href": reverse("staff:schedule:day"),
        "next_path": request.get_full_path(),
    }


def _other_clinics(request: HttpRequest, schedule: ClinicSchedule) -> list[Any]:
    user = request.user
    return _OTHER_CLINICS.objects(
        policy.user_shape(user), **policy.user_values(user), organization=schedule.organization.pk
    )


# The other clinics the user works at, built once per process (lantern/core/statements.py) from
# the policy's own list of them: the account and the clinic shown are values.
_OTHER_CLINICS = Statement(
    lambda *user: (
        Organization.objects.filter(pk__in=policy.staff_organizations(policy.user_template(*user)))
        .exclude(pk=param_for(Organization, "id", "organization"))
        .only("pk", "name")
        .order_by("name")[:20]
    )
)


# Setup.


@staff_view(section=Section.APPOINTMENTS)
def setup_index(request: HttpRequest) -> HttpResponse:
    schedule = _clinic(request)
    visit_types, locations, clinicians = clinic.clinic_setup_lists(schedule)
    context = {
        "schedule": schedule,
        "visit_types": visit_types,
        "locations": locations,
        "clinicians": clinicians,
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
