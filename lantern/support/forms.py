"""The "Contact support" form, for anyone, signed in or not."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.clinical.models import Organization

from .models import SupportTopic

MESSAGE_MAX_LENGTH = 2000
STALE_CLINIC = _("This page is out of date. Reload it and send your request again.")
CHOOSE = _("- Select -")


class SupportRequestForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Enter your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.RegexField(
        label=_("Phone number"),
        required=False,
        regex=r"^[0-9+().\-\s]{7,25}$",
        help_text=_("Include the area code, like 555-123-4567."),
        error_messages={
            "invalid": _("Enter a phone number with its area code, like 555-123-4567.")
        },
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    topic = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("", CHOOSE), *SupportTopic.choices],
        error_messages={
            "required": _("Choose what your request is about."),
            "invalid_choice": _("Choose what your request is about from the list."),
        },
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        help_text=_(
            "Tell us what went wrong and what you were trying to do. Do not write about your "
            "health here: sign in and send a message to your care team instead."
        ),
        error_messages={
            "required": _("Enter your message."),
            # The limit is put in when shown, written the language's way (2,000 or 2000).
            "max_length": _("Your message is too long. Keep it under %(limit_value)s characters."),
        },
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # A field people never see (hidden by the stylesheet): only a program filling in every field
    # types in it, and its request is then quietly dropped.
    website = forms.CharField(label=_("Leave this empty"), required=False)
    # A random key in the page, so sending the same form twice makes one request.
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=20)
    organization = forms.ChoiceField(
        label=_("Your clinic"),
        error_messages={
            "required": _("Choose your clinic."),
            "invalid_choice": _("Choose your clinic from the list."),
        },
    )

    field_order = ["organization", "name", "email", "phone", "topic", "message"]

    def __init__(self, *args: Any, clinics: Sequence[Organization], **kwargs: Any) -> None:
        """`clinics` are those taking requests; with one, it is implied and not asked."""
        kwargs.setdefault("initial", {}).setdefault("submission_key", secrets.token_urlsafe(24))
        super().__init__(*args, **kwargs)
        self.clinics = {str(clinic.pk): clinic for clinic in clinics}
        field = self.fields["organization"]
        field.choices = [("", CHOOSE), *((key, c.name) for key, c in self.clinics.items())]
        if len(self.clinics) == 1:
            field.widget = forms.HiddenInput()
            field.initial = next(iter(self.clinics))
            field.required = False
            field.error_messages["invalid_choice"] = STALE_CLINIC

    def clean_organization(self) -> Organization:
        chosen = self.cleaned_data["organization"]
        if not chosen and len(self.clinics) == 1:
            return next(iter(self.clinics.values()))
        return self.clinics[chosen]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        no_contact = not cleaned.get("email") and not cleaned.get("phone")
        if no_contact and not self.has_error("email") and not self.has_error("phone"):
            self.add_error("email", _("Enter an email address or a phone number to hear back."))
        return cleaned

    @property
    def is_from_a_program(self) -> bool:
        return bool(self.cleaned_data.get("website"))
