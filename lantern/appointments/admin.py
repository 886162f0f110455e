"""Admin for what a clinic sets up before patients can book: locations, visit types, each
clinician's weekly hours and their exceptions (time off, holidays, extra hours).

Appointments are deliberately not registered: they are patient data, changed only through
`services.py`, where the access layer decides and every change is audited.
"""

from __future__ import annotations

from django.contrib import admin

from .models import Location, ScheduleException, VisitType, WeeklyHours


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "city", "time_zone", "is_active")
    list_filter = ("is_active", "organization")
    search_fields = ("name", "city")
    fields = (
        "organization",
        "name",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "postal_code",
        "phone",
        "time_zone",
        "is_active",
    )


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "organization",
        "length_minutes",
        "patients_may_book",
        "booking_horizon_days",
        "cancellation_cutoff_hours",
        "is_active",
    )
    list_filter = ("patients_may_book", "is_active", "organization")
    search_fields = ("name",)


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(admin.ModelAdmin):
    list_display = ("clinician", "location", "weekday", "starts_at", "ends_at")
    list_filter = ("location", "weekday")
    ordering = ("clinician__username", "weekday", "starts_at")


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(admin.ModelAdmin):
    list_display = ("clinician", "kind", "location", "starts_at", "ends_at", "note")
    list_filter = ("kind", "location")
    date_hierarchy = "starts_at"
