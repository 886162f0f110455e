"""Account forms, drawn with U.S. Web Design System classes.

`UswdsFormMixin` ties each field's error message to its input (aria-describedby) and marks the
input invalid, so templates only render `{{ field }}` inside `accounts/_field.html`.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import BodyUnits, User
from .sign_in import PasswordOutcome, password_check

SIGN_IN_ERROR = _(
    "The username or password is not right. Check them and try again, "
    "or use the links below if you have forgotten them."
)
SIGN_IN_PAUSED = _(
    "Your account is paused after many failed attempts. "
    "Reset your password by email, or call your clinic."
)
SIGN_IN_ADDRESS_LIMITED = _(
    "There have been too many sign-in attempts from your network. "
    "Wait an hour, then try again, or call your clinic."
)


class UswdsFormMixin:
    """Adds USWDS classes and, after validation, the error wiring to every field's widget."""

    def _style(self) -> None:
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            field.widget.attrs.setdefault("class", "usa-input")
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name not in self.fields:  # type: ignore[attr-defined]
                continue
            attrs = self.fields[name].widget.attrs  # type: ignore[attr-defined]
            attrs["aria-invalid"] = "true"
            described_by = f"{attrs.get('aria-describedby', '')} id_{name}-error"
            attrs["aria-describedby"] = described_by.strip()
            attrs["class"] = f"{attrs.get('class', '')} usa-input--error".strip()


def _password_field(label: str | Promise, autocomplete: str) -> forms.CharField:
    # No maximum below the hashers' own, and pasting is always allowed (NIST 800-63B).
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class SignInForm(UswdsFormMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = _password_field(_("Password"), "current-password")

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None
        self._style()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        username, password = data.get("username"), data.get("password")
        if username and password:
            # Through authenticate() (in password_check), so django-axes counts failures and
            # applies locks, and the model backend hashes a dummy password for unknown usernames
            # (same timing).
            check = password_check(self.request, username=username, password=password)
            self.user = check.user
            if check.outcome is PasswordOutcome.PAUSED:
                raise forms.ValidationError(SIGN_IN_PAUSED, code="paused")
            if check.outcome is PasswordOutcome.ADDRESS_LIMITED:
                raise forms.ValidationError(SIGN_IN_ADDRESS_LIMITED, code="address_limited")
            if self.user is None:
                raise forms.ValidationError(SIGN_IN_ERROR, code="invalid_login")
        return data


class ConfirmPasswordForm(UswdsFormMixin, forms.Form):
    password = _password_field(_("Password"), "current-password")

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self._style()

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        checked = authenticate(self.request, username=user.get_username(), password=password)
        if checked is None or checked.pk != user.pk:
            raise forms.ValidationError(
                _("That password is not right. Enter the password you use to sign in."),
                code="wrong_password",
            )
        return password


class ForgotUsernameForm(UswdsFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address like name@example.com."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class ForgotPasswordForm(UswdsFormMixin, forms.Form):
    email_or_username = forms.CharField(
        label=_("Username or email address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": _("Enter your username or your email address.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class NewPasswordForm(UswdsFormMixin, forms.Form):
    """One new password field (shown with a "Show password" option), checked by the validators
    in settings.AUTH_PASSWORD_VALIDATORS against this account."""

    new_password = _password_field(_("New password"), "new-password")

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["new_password"].help_text = _(
            "Use at least 12 characters. A few unrelated words make a strong password."
        )
        self._style()

    def clean_new_password(self) -> str:
        password = self.cleaned_data["new_password"]
        password_validation.validate_password(password, self.user)
        return password


class ChangeEmailForm(UswdsFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("New email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your new email address."),
            "invalid": _("Enter an email address like name@example.com."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


PHONE_HINT = _("Include the area code, like 202-555-0143.")


def normalize_phone(value: str) -> str | None:
    """A U.S. number (10 digits, optionally with 1 in front) or +<country code and number>."""
    digits = re.sub(r"\D", "", value)
    if value.strip().startswith("+"):
        return f"+{digits}" if 8 <= len(digits) <= 15 else None
    if len(digits) == 10:
        return f"+1{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"+{digits}"
    return None


class ChangePhoneForm(UswdsFormMixin, forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        required=False,
        max_length=30,
        help_text=_(
            "Include the area code, like 202-555-0143. Leave it empty to remove your number."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if not value:
            return ""
        phone = normalize_phone(value)
        if phone is None:
            raise forms.ValidationError(
                _("Enter a phone number we can text. Include the area code, like 202-555-0143."),
                code="invalid_phone",
            )
        return phone


class BodyUnitsForm(forms.Form):
    """Units for weight and height: metric as recorded, or US units beside it."""

    body_units = forms.ChoiceField(
        label=_("Show weight and height in"),
        choices=BodyUnits.choices,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )


class LanguageForm(forms.Form):
    """The language of the account's pages, emails and text messages (issue 17)."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        error_messages={
            "required": _("Choose a language, then save."),
            "invalid_choice": _("Choose a language, then save."),
        },
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
