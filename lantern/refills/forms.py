"""Forms for asking for refills and for the clinic's decisions."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PharmacyProgress
from .selectors import MedicationRow, PharmacyChoices
from .services import COMMENT_LENGTH, REASON_LENGTH


class RefillRequestForm(forms.Form):
    """Which medicines, from which pharmacy, and a note. Checked again by the service."""

    medications = forms.MultipleChoiceField(
        label=_("Medicines"),
        error_messages={
            "required": _("Choose at least one medicine."),
            "invalid_choice": _("One of the medicines can no longer be asked for. Check the list."),
        },
    )
    pharmacy = forms.ChoiceField(
        label=_("Pharmacy"),
        error_messages={
            "required": _("Choose a pharmacy."),
            "invalid_choice": _("Choose a pharmacy."),
        },
    )
    save_pharmacy = forms.BooleanField(label=_("Save this pharmacy to my list"), required=False)
    make_default = forms.BooleanField(label=_("Make it my usual pharmacy"), required=False)
    comment = forms.CharField(
        label=_("Anything the clinic should know (optional)"),
        help_text=_("For example: “I am going away on the 12th.”"),
        max_length=COMMENT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Made when the page is drawn and kept through the confirm step, so sending the same form
    # twice makes the requests once.
    submission_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(
        self, *args: Any, rows: list[MedicationRow], pharmacies: PharmacyChoices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.pharmacies = pharmacies
        self.fields["medications"].choices = [
            (str(row.medication.pk), row.medication.display)
            for row in rows
            if row.eligibility.may_request
        ]
        self.fields["pharmacy"].choices = [
            (str(pharmacy.pk), pharmacy.name) for pharmacy in pharmacies.saved + pharmacies.clinic
        ]
        if pharmacies.default is not None and not self.is_bound:
            self.initial.setdefault("pharmacy", str(pharmacies.default.pk))

    @property
    def requestable_rows(self) -> list[MedicationRow]:
        return [row for row in self.rows if row.eligibility.may_request]

    @property
    def blocked_rows(self) -> list[MedicationRow]:
        return [row for row in self.rows if not row.eligibility.may_request]

    def chosen_rows(self) -> list[MedicationRow]:
        chosen = set(self.cleaned_data["medications"])
        return [row for row in self.rows if str(row.medication.pk) in chosen]

    def chosen_pharmacy(self):
        return self.pharmacies.find(self.cleaned_data["pharmacy"])

    def chosen_ids(self) -> set[str]:
        """The ids ticked (as sent, before validation), to draw the form again."""
        if self.is_bound:
            return set(self.data.getlist("medications"))
        return set(self.initial.get("medications", []))


class DenyForm(forms.Form):
    reason = forms.CharField(
        label="Reason the patient will read",
        help_text="Say what to do next, for example “Please book a medication review.”",
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the reason the patient will read."},
    )


class AssignForm(forms.Form):
    # Empty means "no one".
    assignee = forms.IntegerField(required=False, min_value=1)


class ProgressForm(forms.Form):
    progress = forms.ChoiceField(choices=PharmacyProgress.choices)
