"""Forms of the clinic's schedule pages in the staff console (staff_views.py)."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from typing import Any

from django import forms

from lantern.access.policy import ClinicSchedule

from . import schedule as clinic
from .models import AppointmentStatus, ExceptionKind, Location, VisitType, Weekday
from .services import MARKS

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisitTypeForm(forms.ModelForm):
    length_minutes = forms.IntegerField(
        label="Length in minutes",
        min_value=5,
        max_value=480,
        help_text="From 5 to 480. Open times are offered on a grid of this length.",
        error_messages={"required": "Enter how many minutes the visit lasts."},
    )
    booking_horizon_days = forms.IntegerField(
        label="How far ahead it may be booked, in days",
        min_value=1,
        max_value=730,
        initial=60,
    )
    cancellation_cutoff_hours = forms.IntegerField(
        label="Cancellation cut-off, in hours",
        min_value=0,
        max_value=720,
        initial=24,
        help_text="Patients cannot cancel or move the visit online this close to it. "
        "Staff always can.",
    )

    class Meta:
        model = VisitType
        fields = [
            "name",
            "length_minutes",
            "patient_instructions",
            "patients_may_book",
            "booking_horizon_days",
            "cancellation_cutoff_hours",
            "is_active",
        ]
        labels = {
            "name": "Name",
            "patient_instructions": "Instructions for the patient",
            "patients_may_book": "Patients may book it themselves",
            "is_active": "Offered (untick to stop offering it)",
        }
        help_texts = {
            "patients_may_book": "Otherwise only staff book it, and patients are asked to "
            "request it.",
            "patient_instructions": "Shown to the patient with the visit, e.g. what to bring.",
        }
        widgets = {"patient_instructions": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"name": {"required": "Enter a name for the visit type."}}


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = [
            "name",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "phone",
            "time_zone",
            "is_active",
        ]
        labels = {
            "name": "Name",
            "address_line1": "Address line 1",
            "address_line2": "Address line 2 (optional)",
            "city": "City",
            "state": "State",
            "postal_code": "ZIP code",
            "phone": "Phone number",
            "time_zone": "Time zone",
            "is_active": "Open for visits (untick to stop offering times here)",
        }
        help_texts = {
            "time_zone": "The place's IANA time zone name, such as America/New_York or "
            "America/Chicago. Its hours are kept in this zone.",
            "phone": "Patients are told to call it when a visit is too soon to change online.",
        }
        error_messages = {
            "name": {"required": "Enter the name of the place."},
            "time_zone": {"required": "Enter the place's time zone, such as America/New_York."},
        }
        widgets = {"time_zone": forms.TextInput(attrs={"spellcheck": "false"})}


class WeeklyHoursForm(forms.Form):
    """A row of a clinician's weekly hours; refused when it overlaps another of their rows."""

    location = forms.ModelChoiceField(
        label="Place",
        queryset=Location.objects.none(),
        error_messages={"required": "Choose the place."},
    )
    weekday = forms.TypedChoiceField(label="Day of the week", choices=Weekday.choices, coerce=int)
    starts_at = forms.TimeField(
        label="From (local time at the place)",
        widget=TIME_WIDGET,
        error_messages={"required": "Enter when the hours start, such as 09:00."},
    )
    ends_at = forms.TimeField(
        label="To (local time at the place)",
        widget=TIME_WIDGET,
        error_messages={"required": "Enter when the hours end, such as 17:00."},
    )

    def __init__(self, *args: Any, schedule: ClinicSchedule, clinician: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.clinician = clinician
        self.fields["location"].queryset = clinic.clinic_locations(schedule, active_only=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at is None or ends_at is None or data.get("weekday") is None:
            return data
        if ends_at <= starts_at:
            self.add_error("ends_at", "The end must be after the start.")
            return data
        clash = clinic.weekly_hours_overlap(
            clinician=self.clinician,
            weekday=data["weekday"],
            starts_at=starts_at,
            ends_at=ends_at,
        )
        if clash is not None:
            self.add_error("starts_at", clinic.overlap_words(clash))
        return data


class ScheduleExceptionForm(forms.Form):
    """Time off or extra hours, entered as local dates and times at the place."""

    kind = forms.ChoiceField(label="What kind", choices=ExceptionKind.choices)
    location = forms.ModelChoiceField(
        label="Place",
        queryset=Location.objects.none(),
        required=False,
        empty_label="Every place (time off only)",
        help_text="Needed for extra hours. Times are in this place's time zone.",
    )
    starts_on = forms.DateField(
        label="First day",
        widget=DATE_WIDGET,
        error_messages={"required": "Enter the first day.", "invalid": "Enter a real date."},
    )
    starts_at = forms.TimeField(
        label="From (optional: blank means the start of the day)",
        widget=TIME_WIDGET,
        required=False,
    )
    ends_on = forms.DateField(
        label="Last day (optional: blank means the same day)",
        widget=DATE_WIDGET,
        required=False,
        error_messages={"invalid": "Enter a real date."},
    )
    ends_at = forms.TimeField(
        label="To (optional: blank means the end of the day)", widget=TIME_WIDGET, required=False
    )
    note = forms.CharField(label="Note (optional)", max_length=200, required=False)

    def __init__(self, *args: Any, schedule: ClinicSchedule, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.schedule = schedule
        self.fields["location"].queryset = clinic.clinic_locations(schedule)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        location = data.get("location")
        if data.get("kind") == ExceptionKind.EXTRA_HOURS and location is None:
            self.add_error("location", "Choose the place where the extra hours are.")
            return data
        if data.get("starts_on") is None or self.errors:
            return data
        zone = location.zone if location else clinic.clinic_zone(self.schedule)
        starts = _local(data["starts_on"], data.get("starts_at") or dt.time.min, zone)
        last_day = data.get("ends_on") or data["starts_on"]
        if data.get("ends_at") is None:
            ends = _local(last_day + dt.timedelta(days=1), dt.time.min, zone)
        else:
            ends = _local(last_day, data["ends_at"], zone)
        for field, value in (("starts_at", starts), ("ends_at", ends)):
            if value is None:
                self.add_error(field, "That time does not exist on that day (the clocks change).")
        if starts is not None and ends is not None:
            if ends <= starts:
                self.add_error("ends_at", "The end must be after the start.")
            data["starts"], data["ends"] = starts, ends
        return data


def _local(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """The instant of a local wall time, or None when the clocks skip it that day."""
    local = dt.datetime.combine(day, time, tzinfo=zone)
    back = local.astimezone(dt.UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return local.astimezone(dt.UTC)


class RemoveForm(forms.Form):
    """Which row to remove (a weekly hours row or an exception)."""

    row = forms.IntegerField(widget=forms.HiddenInput)


class DayForm(forms.Form):
    """Which day, and whose: a clinician's or a place's (the clinician wins if both)."""

    date = forms.DateField(label="Day", widget=DATE_WIDGET, required=False)
    clinician = forms.IntegerField(required=False)
    location = forms.IntegerField(required=False)


class BookingChoiceForm(forms.Form):
    """What to book, where and with whom; the week's open times follow (a GET form)."""

    visit_type = forms.ModelChoiceField(
        label="Visit type",
        queryset=VisitType.objects.none(),
        error_messages={"required": "Choose a visit type."},
    )
    location = forms.ModelChoiceField(
        label="Place",
        queryset=Location.objects.none(),
        error_messages={"required": "Choose a place."},
    )
    clinician = forms.ModelChoiceField(
        label="Clinician",
        queryset=None,
        required=False,
        empty_label="First available",
    )
    week = forms.DateField(label="Week starting", widget=DATE_WIDGET, required=False)

    def __init__(self, *args: Any, schedule: ClinicSchedule, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["visit_type"].queryset = clinic.clinic_visit_types(schedule, active_only=True)
        self.fields["location"].queryset = clinic.clinic_locations(schedule, active_only=True)
        self.fields["clinician"].queryset = clinic.clinic_clinicians(schedule)
        self.fields["clinician"].label_from_instance = clinic.clinician_name


class ConfirmForm(BookingChoiceForm):
    """The chosen open time; `submission_id` makes a double click book once."""

    starts_at = forms.DateTimeField(widget=forms.HiddenInput)
    submission_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and data.get("clinician") is None:
            self.add_error("clinician", "Choose a clinician.")
        return data


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(widget=forms.HiddenInput)
    clinician = forms.IntegerField(widget=forms.HiddenInput)
    location = forms.IntegerField(widget=forms.HiddenInput)
    submission_id = forms.UUIDField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", max_length=300, required=False)


class MarkForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(status, AppointmentStatus(status).label) for status in MARKS]
    )
    next = forms.CharField(required=False)
