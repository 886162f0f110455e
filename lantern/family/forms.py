"""Forms for inviting a caregiver, answering an invitation, and recording access in the console."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.access.models import PROXY_PERMISSION_WORDS, ProxyKind, ProxyPermission
from lantern.enrollment.forms import AccountForm

from .selectors import FULL_ACCESS_WORDS, PERMISSION_WORDS
from .services import STAFF_GRANTED_KINDS

FULL = "full"
PERMISSION_CHOICES = [(FULL, FULL_ACCESS_WORDS)] + [
    (str(int(flag)), PERMISSION_WORDS.get(flag, words))
    for flag, words in PROXY_PERMISSION_WORDS.items()
]


class PermissionsField(forms.MultipleChoiceField):
    """Checkboxes of what a proxy may help with; cleaned to one ProxyPermission ("Full access"
    is every one of them)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=PERMISSION_CHOICES,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": _("Choose at least one thing they may help with.")},
            **kwargs,
        )

    def clean(self, value: Any) -> ProxyPermission:
        chosen = super().clean(value)
        if FULL in chosen:
            return ProxyPermission.FULL
        permissions = ProxyPermission(0)
        for flag in chosen:
            permissions |= ProxyPermission(int(flag))
        return permissions


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class SubmissionFields(forms.Form):
    # Made when the page is drawn and kept when it is drawn again after an error, so sending
    # the same form twice is recognised as one submission.
    submission_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class InviteForm(SubmissionFields):
    """The patient invites someone to help with their care."""

    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("We will send them a link that works once."),
        error_messages={
            "required": _("Enter their email address."),
            "invalid": _("Enter an email address like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Who they are to you"),
        max_length=300,
        help_text=_("For example: “My daughter, helps me with appointments”."),
        error_messages={"required": _("Say who they are to you.")},
    )
    permissions = PermissionsField(label=_("What they may help with"))
    ends_on = forms.DateField(
        label=_("End date (optional)"),
        required=False,
        help_text=_(
            "Their access ends after this day. Leave it empty to keep it until you end it."
        ),
        error_messages={"invalid": _("Enter a real date, or leave it empty.")},
        widget=_date_input(),
    )

    field_order = ["email", "reason", "permissions", "ends_on", "submission_id"]

    def clean_ends_on(self) -> Any:
        ends_on = self.cleaned_data["ends_on"]
        if ends_on is not None and ends_on <= timezone.localdate():
            raise forms.ValidationError(_("Choose an end date after today, or leave it empty."))
        return ends_on


class RelationshipChoiceForm(forms.Form):
    """Names one relationship of the patient's, from a button on the page (never in the URL)."""

    relationship = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class EndAccessForm(RelationshipChoiceForm):
    """ "End access": the first send asks to confirm, the second (with `confirmed`) ends it."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why (optional)"),
        max_length=300,
        required=False,
    )


class StaffEndAccessForm(RelationshipChoiceForm):
    reason = forms.CharField(
        label="Why their access ends",
        max_length=300,
        error_messages={"required": "Say why their access ends."},
    )


class StaffGrantForm(SubmissionFields):
    """Staff record a parent, guardian or power of attorney after checking documents."""

    account = forms.CharField(
        label="Their account: username or email address",
        max_length=254,
        help_text=(
            "If no account has this email address, we email them an invitation to create one "
            "and accept."
        ),
        error_messages={"required": "Enter their username or email address."},
    )
    kind = forms.ChoiceField(
        label="Relationship",
        choices=[("", "- Select -")]
        + [(kind.value, kind.label) for kind in ProxyKind if kind in STAFF_GRANTED_KINDS],
        error_messages={"required": "Choose the kind of relationship."},
    )
    permissions = PermissionsField(label="What they may see and do")
    starts_on = forms.DateField(
        label="Start date",
        initial=timezone.localdate,
        error_messages={"required": "Enter a start date.", "invalid": "Enter a valid date."},
        widget=_date_input(),
    )
    ends_on = forms.DateField(
        label="End date (optional)",
        required=False,
        help_text="For example, when a court order ends.",
        error_messages={"invalid": "Enter a valid date."},
        widget=_date_input(),
    )
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        help_text="For example: “Mother of the patient”.",
        error_messages={"required": "Give the reason."},
    )
    identity_checked = forms.CharField(
        label="What was checked",
        max_length=300,
        help_text="The documents you saw, for example: “Photo ID and birth certificate”.",
        error_messages={"required": "Say what you checked."},
    )

    field_order = [
        "account",
        "kind",
        "permissions",
        "starts_on",
        "ends_on",
        "reason",
        "identity_checked",
        "submission_id",
    ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "Choose an end date on or after the start date.")
        return cleaned


class InviteeAccountForm(AccountForm):
    """The enrollment account form, for someone who is not a patient of the clinic: the same
    username, email, password rules and terms of use, with no patient record to compare to."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, patient=None, **kwargs)
