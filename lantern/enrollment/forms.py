"""Enrollment forms. The date of birth is the USWDS memorable date: month, day and year."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils import timezone
from django.utils.dates import MONTHS as DJANGO_MONTHS
from django.utils.translation import gettext_lazy as _

from lantern.clinical.models import Organization

STALE_CLINIC = _("This page is out of date. Reload it and send your request again.")

# Month names come from Django's own catalog, in the page's language.
MONTHS = [("", _("- Select -")), *((str(number), name) for number, name in DJANGO_MONTHS.items())]


class BirthDateFields(forms.Form):
    """Adds `birth_month`, `birth_day` and `birth_year`; `cleaned_data["birth_date"]` is a date.

    An impossible or future date is reported once, on the month field, which the error summary
    links to.
    """

    birth_month = forms.ChoiceField(label=_("Month"), choices=MONTHS)
    birth_day = forms.IntegerField(
        label=_("Day"),
        min_value=1,
        max_value=31,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "maxlength": "2", "autocomplete": "bday-day"}
        ),
    )
    birth_year = forms.IntegerField(
        label=_("Year"),
        min_value=1900,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "maxlength": "4", "autocomplete": "bday-year"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_month"].widget.attrs["autocomplete"] = "bday-month"
        self.fields["birth_month"].error_messages["required"] = _("Choose the month you were born.")
        self.fields["birth_day"].error_messages.update(
            required=_("Enter the day you were born."),
            invalid=_("Enter the day you were born as a number, like 7."),
            min_value=_("Enter a day from 1 to 31."),
            max_value=_("Enter a day from 1 to 31."),
        )
        self.fields["birth_year"].error_messages.update(
            required=_("Enter the year you were born."),
            invalid=_("Enter the year you were born as four numbers, like 1985."),
            min_value=_("Enter the year you were born as four numbers, like 1985."),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        month, day, year = (
            cleaned.get(name) for name in ("birth_month", "birth_day", "birth_year")
        )
        if month and day and year:
            try:
                birth_date = dt.date(int(year), int(month), int(day))
            except ValueError:
                self.add_error("birth_day", _("That date does not exist. Check the day and month."))
            else:
                if birth_date > timezone.localdate():
                    self.add_error("birth_year", _("Your date of birth must be in the past."))
                else:
                    cleaned["birth_date"] = birth_date
        return cleaned


class IdentityForm(BirthDateFields):
    """Step 1: the activation code, date of birth and last name."""

    code = forms.CharField(
        label=_("Activation code"),
        max_length=40,
        help_text=_(
            "12 letters and numbers, like 7KQ4-M2ZP-X9RT. Dashes and spaces do not matter."
        ),
        error_messages={"required": _("Enter the activation code from your clinic.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    family_name = forms.CharField(
        label=_("Last name"),
        max_length=200,
        error_messages={"required": _("Enter your last name.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
    )

    field_order = ["code", "birth_month", "birth_day", "birth_year", "family_name"]


class AccountForm(forms.Form):
    """Step 2: username, email, password and the terms of use."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("You will use this to sign in. Letters, numbers and . @ + - _ only."),
        error_messages={"required": _("Choose a username.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_(
            "We will send a link to check it. We use it for sign-in codes and if you "
            "forget your password."
        ),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=1000,
        help_text=_(
            "At least 12 characters. A few unrelated words are easy to remember and hard to guess."
        ),
        error_messages={"required": _("Choose a password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirmation = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        max_length=1000,
        error_messages={"required": _("Type your password again.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_terms = forms.BooleanField(
        label=_("I have read and accept the terms of use"),
        error_messages={"required": _("To create an account, accept the terms of use.")},
    )

    def __init__(self, *args: Any, patient: Any, **kwargs: Any) -> None:
        self.patient = patient
        super().__init__(*args, **kwargs)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        user_model = get_user_model()
        for validator in user_model._meta.get_field("username").validators:
            try:
                validator(username)
            except forms.ValidationError as error:
                raise forms.ValidationError(
                    _("Use only letters, numbers and . @ + - _ in your username.")
                ) from error
        if user_model.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken. Choose another one."))
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password = cleaned.get("password")
        confirmation = cleaned.get("password_confirmation")
        if password and confirmation and password != confirmation:
            self.add_error(
                "password_confirmation", _("The two passwords are not the same. Type them again.")
            )
        elif password:
            try:
                password_validation.validate_password(password, user=self._candidate(cleaned))
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def _candidate(self, cleaned: dict[str, Any]) -> Any:
        """An unsaved account standing in for the new one, so the similarity checks see the
        username, the email address and, for a patient, their name and date of birth."""
        fields: dict[str, Any] = {
            "username": cleaned.get("username", ""),
            "email": cleaned.get("email", ""),
        }
        if self.patient is not None:
            fields.update(
                first_name=self.patient.given_names,
                last_name=self.patient.family_name,
                patient=self.patient,
            )
        return get_user_model()(**fields)


class SignUpRequestForm(BirthDateFields):
    """Sign-up without a code: details the clinic checks against its records."""

    given_names = forms.CharField(
        label=_("First name"),
        max_length=200,
        error_messages={"required": _("Enter your first name.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
    )
    family_name = forms.CharField(
        label=_("Last name"),
        max_length=200,
        error_messages={"required": _("Enter your last name.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.RegexField(
        label=_("Phone number"),
        regex=r"^[0-9+().\-\s]{7,25}$",
        help_text=_("Include the area code, like 555-123-4567."),
        error_messages={
            "required": _("Enter your phone number."),
            "invalid": _("Enter a phone number with its area code, like 555-123-4567."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    # A random key in the page, so sending the same form twice makes one request.
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=20)
    # Which clinic the request goes to; its choices are set from `clinics` in __init__.
    organization = forms.ChoiceField(
        label=_("Your clinic"),
        help_text=_("The clinic where you get care. Only its staff will see your request."),
        error_messages={
            "required": _("Choose your clinic."),
            "invalid_choice": _("Choose your clinic from the list."),
        },
    )

    field_order = [
        "organization",
        "given_names",
        "family_name",
        "birth_month",
        "birth_day",
        "birth_year",
        "email",
        "phone",
    ]

    def __init__(self, *args: Any, clinics: Sequence[Organization], **kwargs: Any) -> None:
        """`clinics` are those accepting sign-ups; with one, it is implied and not asked."""
        kwargs.setdefault("initial", {}).setdefault("submission_key", secrets.token_urlsafe(24))
        super().__init__(*args, **kwargs)
        self.clinics = {str(clinic.pk): clinic for clinic in clinics}
        field = self.fields["organization"]
        field.choices = [("", _("- Select -")), *((key, c.name) for key, c in self.clinics.items())]
        if len(self.clinics) == 1:
            # The one clinic is implied. Its id is still sent in the page and checked like a
            # choice, so a changed id is refused, never guessed; a form without it (a page
            # loaded before clinics were asked) means the one clinic.
            field.widget = forms.HiddenInput()
            field.initial = next(iter(self.clinics))
            field.required = False
            field.error_messages["invalid_choice"] = STALE_CLINIC

    def clean_organization(self) -> Organization:
        chosen = self.cleaned_data["organization"]
        if not chosen and len(self.clinics) == 1:
            return next(iter(self.clinics.values()))
        return self.clinics[chosen]


class TermsForm(forms.Form):
    """Accepting a new version of the terms; `version` names the version that was shown."""

    version = forms.CharField(widget=forms.HiddenInput, max_length=40)
