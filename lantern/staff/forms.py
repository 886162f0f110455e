from __future__ import annotations

import secrets
from typing import Any

from django import forms


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Name or MRN",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class IssueCodeForm(forms.Form):
    """A random key in the page, so a double-clicked "Issue" issues one code."""

    issue_key = forms.CharField(widget=forms.HiddenInput, min_length=20, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("issue_key", secrets.token_urlsafe(24))
        super().__init__(*args, **kwargs)


class ApproveRequestForm(forms.Form):
    patient_id = forms.UUIDField(
        error_messages={"required": "Choose the patient record that matches the request."}
    )
