"""Forms of the patient's appointment pages: confirm a time, cancel a visit, ask for a visit."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import VisitType

SOMETHING_ELSE = "other"
REQUEST_DETAILS_MAX_LENGTH = 2000


class ConfirmForm(forms.Form):
    """The confirm button's form: only the one-time id that makes a double click book once."""

    # Made when the page is drawn and kept when it is drawn again, so sending the same form
    # twice is recognised as one booking.
    submission_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you cancelling? (optional)"),
        help_text=_("This helps the clinic. Please do not include health details."),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequestForm(forms.Form):
    """Ask the clinic's scheduling team for a visit; they answer in Messages."""

    visit = forms.ChoiceField(
        label=_("What kind of visit?"),
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    preferred_times = forms.CharField(
        label=_("Which days and times suit you? (optional)"),
        help_text=_("For example: weekday mornings, or any time after 3 PM."),
        max_length=200,
        required=False,
    )
    details = forms.CharField(
        label=_("Anything else the clinic should know?"),
        help_text=_("Needed if you chose “Something else”. Please keep it short."),
        max_length=REQUEST_DETAILS_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args: Any, visit_types: list[VisitType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visit_types = {str(visit_type.pk): visit_type for visit_type in visit_types}
        self.fields["visit"].choices = [
            *((key, visit_type.name) for key, visit_type in self.visit_types.items()),
            (SOMETHING_ELSE, _("Something else")),
        ]
        self.fields["visit"].error_messages["required"] = _("Choose the kind of visit.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("visit") == SOMETHING_ELSE and not cleaned.get("details", "").strip():
            self.add_error("details", ValidationError(_("Say what the visit is for.")))
        return cleaned

    def visit_label(self) -> str:
        """The chosen visit in words, for the message."""
        chosen = self.visit_types.get(self.cleaned_data["visit"])
        return chosen.name if chosen is not None else "Something else"
