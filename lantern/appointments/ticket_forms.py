"""The console's form for inviting a patient to book a visit themselves."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from lantern.access.models import StaffRole
from lantern.clinical.models import Organization

from .models import Location, VisitType

ANY = ""


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class TicketForm(forms.Form):
    """Which visit, where, with whom, and between which clinic dates the patient may book it."""

    submission_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    visit_type = forms.ModelChoiceField(
        queryset=VisitType.objects.none(),
        label="Visit",
        empty_label=None,
        error_messages={"required": "Choose the visit they should book."},
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        label="Place",
        required=False,
        empty_label="Any of the clinic's places",
    )
    clinician = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        label="Clinician",
        required=False,
        empty_label="Whoever is first available",
    )
    earliest_on = forms.DateField(
        label="First day they may book",
        widget=_date_input(),
        error_messages={"required": "Enter the first day.", "invalid": "Enter a real date."},
    )
    latest_on = forms.DateField(
        label="Last day they may book",
        widget=_date_input(),
        error_messages={"required": "Enter the last day.", "invalid": "Enter a real date."},
    )
    note = forms.CharField(
        label="Note for the patient (optional)",
        help_text="Shown in the portal only, never in an email or text message.",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visit_type"].queryset = VisitType.objects.filter(
            organization=organization, is_active=True
        ).order_by("name")
        self.fields["location"].queryset = Location.objects.filter(
            organization=organization, is_active=True
        ).order_by("name")
        self.fields["clinician"].queryset = (
            get_user_model()
            .objects.filter(
                staff_memberships__organization=organization,
                staff_memberships__role=StaffRole.CLINICIAN,
                staff_memberships__is_active=True,
                is_active=True,
            )
            .order_by("last_name", "first_name", "pk")
        )
        self.fields["clinician"].label_from_instance = _clinician_name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        earliest, latest = data.get("earliest_on"), data.get("latest_on")
        if earliest and latest and latest < earliest:
            self.add_error("latest_on", "The last day must be on or after the first day.")
        return data


def _clinician_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()
