"""Admin for the results settings a clinic may change: how long results are held back."""

from __future__ import annotations

from django.contrib import admin

from .models import ResultReleaseDelay


@admin.register(ResultReleaseDelay)
class ResultReleaseDelayAdmin(admin.ModelAdmin):
    list_display = ("kind", "delay_hours")
    ordering = ("kind",)
