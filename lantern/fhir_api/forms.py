"""The clinic's form to register an app."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.core.validators import URLValidator

from lantern.fhir_api.grants import FLAG_SCOPES
from lantern.fhir_api.scopes import parse_scopes

# The hosts a redirect address may name over plain http: the app's own device.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

DEFAULT_ALLOWED_SCOPE = " ".join(
    ("launch/patient", "openid", "fhirUser", "offline_access", "online_access", "patient/*.rs")
)


class AppRegistrationForm(forms.Form):
    name = forms.CharField(label="App name", max_length=255)
    description = forms.CharField(
        label="What the app does, in a sentence (shown to patients)",
        max_length=200,
        required=False,
    )
    client_type = forms.ChoiceField(
        label="Kind of app",
        widget=forms.RadioSelect,
        choices=[
            ("public", "Public: runs on a phone or in a browser and keeps no secret"),
            ("confidential", "Confidential: runs on a server and keeps a secret"),
        ],
        initial="public",
    )
    redirect_uris = forms.CharField(
        label="Redirect addresses",
        help_text="One a line, exactly as the app sends them.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    allowed_scope = forms.CharField(
        label="Scopes the app may be granted",
        help_text="SMART scopes separated by spaces, such as patient/Observation.rs.",
        initial=DEFAULT_ALLOWED_SCOPE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_redirect_uris(self) -> str:
        uris = self.cleaned_data["redirect_uris"].split()
        validate = URLValidator(schemes=["https", "http"])
        for uri in uris:
            try:
                validate(uri)
            except forms.ValidationError as error:
                raise forms.ValidationError(f"{uri} is not a web address.") from error
            # Plain http only back to the device itself (RFC 8252, 7.3): the host is compared
            # whole, so "localhost.example.org" is not taken for "localhost".
            if urlsplit(uri).scheme == "http" and urlsplit(uri).hostname not in LOOPBACK_HOSTS:
                raise forms.ValidationError(
                    f"{uri} must start with https:// (plain http is for 127.0.0.1 only)."
                )
        if not uris:
            raise forms.ValidationError("Enter at least one redirect address.")
        return " ".join(uris)

    def clean_allowed_scope(self) -> str:
        scope = self.cleaned_data["allowed_scope"]
        parsed = parse_scopes(scope)
        if parsed.unknown:
            raise forms.ValidationError(
                "These scopes are not understood here: " + ", ".join(parsed.unknown)
            )
        if not parsed.resources:
            raise forms.ValidationError("Allow at least one patient/… scope.")
        words = [w for w in scope.split() if w in FLAG_SCOPES]
        return " ".join([*words, *(s.to_string() for s in parsed.resources)])
