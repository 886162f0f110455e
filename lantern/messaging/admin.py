"""Admin for the message pools a clinic offers patients ("Nursing", "Billing questions").

Conversations, messages, notes and attachments are deliberately not registered: they hold
patients' words, which are read only through the staff inbox, where every read is audited.
"""

from __future__ import annotations

from django.contrib import admin

from .models import MessagePool


@admin.register(MessagePool)
class MessagePoolAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "is_active", "position")
    list_filter = ("is_active", "organization")
    list_editable = ("is_active", "position")
    ordering = ("organization__name", "position", "name")
    search_fields = ("name",)
    fields = ("organization", "name", "description", "is_active", "position")
