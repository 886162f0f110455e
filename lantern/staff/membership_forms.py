"""Forms of the staff list page (lantern/staff/membership_views.py)."""

from __future__ import annotations

from django import forms

from lantern.access.models import StaffRole


class MembershipAddForm(forms.Form):
    identifier = forms.CharField(
        label="Username or email address",
        help_text="An existing account, or the email address of a person who has no account yet.",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter a username or an email address."},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=StaffRole.choices,
        error_messages={"required": "Choose a role."},
    )


class MembershipRoleForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label="Role", choices=StaffRole.choices)


class MembershipActiveForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    active = forms.BooleanField(required=False, widget=forms.HiddenInput)
