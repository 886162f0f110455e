"""Accounts in Django's admin, for the people who run the deployment.

Every change made here is a security event in the audit trail, written in the same transaction
as the change, by the admin user about the account: which fields changed (their names, never
their values). Two things are deliberately not possible here:

- linking an account to a patient record: that happens only through enrollment
  (lantern.enrollment.services), which checks the activation code and the patient's details and
  audits it, so the link is shown read-only;
- deleting an account: the audit trail refers to it; set it inactive instead.

Staff memberships are managed by each clinic's administrators in the staff console; the inline
here is for the operator who sets up a clinic's first administrator, and is audited the same way.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse

from lantern.access.admin import (
    StaffMembershipInline,
    membership_change_record,
    membership_formset_changes,
)
from lantern.audit.admin import admin_change_record
from lantern.audit.models import AuditAction
from lantern.core.admin_site import admin_site_page

from .models import User


@admin.register(User)
class LanternUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Patient record", {"fields": ("patient",)}),
    )
    readonly_fields = ("patient", "last_login", "date_joined")
    inlines = (StaffMembershipInline,)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The creation form's fields are the username and the password; say "created" instead.
        fields = list(form.changed_data) if change else ["created"]
        if fields:
            admin_change_record(
                request=request, action=AuditAction.ACCOUNT_CHANGED, subject=obj, fields=fields
            )

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        super().save_formset(request, form, formset, change)
        for membership, fields in membership_formset_changes(formset):
            membership_change_record(request=request, membership=membership, fields=fields)

    @admin_site_page
    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        # Django's view saves the new password and redirects; the event goes in the same
        # transaction, and only when it did (a refused form answers 200).
        with transaction.atomic():
            response: HttpResponse = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                admin_change_record(
                    request=request,
                    action=AuditAction.PASSWORD_CHANGED,
                    subject=User.objects.get(pk=id),
                    fields=["password"],
                )
        return response
