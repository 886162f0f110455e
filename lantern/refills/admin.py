"""Admin for the clinic's pharmacy list and the medicines it does not refill online.

Refill requests themselves are not registered: they are read and decided in the console's
Refills queue, where every read and change is audited.
"""

from __future__ import annotations

from django.contrib import admin

from .models import ControlledMedicine, Pharmacy


@admin.register(Pharmacy)
class PharmacyAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "phone", "active")
    list_filter = ("active", "organization")
    list_editable = ("active",)
    search_fields = ("name", "address")
    fields = ("organization", "name", "address", "phone", "active")


@admin.register(ControlledMedicine)
class ControlledMedicineAdmin(admin.ModelAdmin):
    list_display = ("display", "code", "code_system", "organization")
    list_filter = ("organization",)
    search_fields = ("display", "code")
    fields = ("organization", "code_system", "code", "display")
