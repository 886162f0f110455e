"""Read-only views of the outbox for administrators."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import KINDS_WITH_SECRETS, DeliveredSms, Notification, NotificationPreference


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "channel",
        "to_address",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["to_address"]
    date_hierarchy = "created_at"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = [
            "id",
            "kind",
            "channel",
            "to_address",
            "subject",
            "message",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "sent_at",
            "created_at",
            "dedupe_key",
        ]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)

    @admin.display(description="Message")
    def message(self, obj: Notification) -> str:
        # A one-time link, a code or a username would let whoever reads the outbox act as the
        # patient, so those messages are not shown here.
        if obj.kind in KINDS_WITH_SECRETS:
            return "Not shown: it contains a one-time link, a code or a username."
        return obj.body


@admin.register(DeliveredSms)
class DeliveredSmsAdmin(ReadOnlyAdmin):
    list_display = ["delivered_at", "to_address", "body"]
    search_fields = ["to_address"]
    fields = ["delivered_at", "to_address", "body"]
    readonly_fields = fields


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    """Each account sets its own choices on its settings page; the admin only shows them."""

    list_display = ["user", "event", "email", "sms", "updated_at"]
    list_filter = ["event", "email", "sms"]
    search_fields = ["user__username"]
    fields = ["user", "event", "email", "sms", "updated_at"]
    readonly_fields = fields
