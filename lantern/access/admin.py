"""Staff memberships in Django's admin: for the operator who gives a clinic its first
administrator. After that, each clinic's administrators manage their staff in the staff console
(lantern/staff/memberships.py). Every change here is audited as MEMBERSHIP_CHANGED about the
staff member's account, by the admin user, naming the changed fields."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from lantern.audit.admin import admin_change_record
from lantern.audit.models import AuditAction

from .models import StaffMembership

MEMBERSHIP_OBJECT_TYPE = "staff_membership"
MEMBERSHIP_FIELDS = ("organization", "role", "is_active")


def membership_change_record(
    *, request: HttpRequest, membership: StaffMembership, fields: list[str]
) -> None:
    if fields:
        admin_change_record(
            request=request,
            action=AuditAction.MEMBERSHIP_CHANGED,
            subject=membership.user,
            fields=fields,
            object_type=MEMBERSHIP_OBJECT_TYPE,
        )


def membership_formset_changes(formset: BaseInlineFormSet) -> list[tuple[Any, list[str]]]:
    """Each membership an inline formset saved or deleted, with the names of what changed."""
    changes: list[tuple[Any, list[str]]] = []
    for membership in formset.new_objects:
        changes.append((membership, ["created", *MEMBERSHIP_FIELDS]))
    for membership, fields in formset.changed_objects:
        changes.append((membership, list(fields)))
    for membership in formset.deleted_objects:
        changes.append((membership, ["deleted"]))
    return changes


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    fields = ("organization", "role", "is_active")
    extra = 0


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "is_active")
    list_filter = ("role", "is_active", "organization")
    search_fields = ("user__username", "organization__name")
    raw_id_fields = ("user",)
    fields = ("user", "organization", "role", "is_active")

    def save_model(
        self, request: HttpRequest, obj: StaffMembership, form: ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        fields = list(form.changed_data) if change else ["created", *MEMBERSHIP_FIELDS]
        membership_change_record(request=request, membership=obj, fields=fields)

    def delete_model(self, request: HttpRequest, obj: StaffMembership) -> None:
        membership_change_record(request=request, membership=obj, fields=["deleted"])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for membership in queryset.select_related("user"):
            membership_change_record(request=request, membership=membership, fields=["deleted"])
        super().delete_queryset(request, queryset)
