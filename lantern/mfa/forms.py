"""Forms of the second-factor pages. Code fields allow paste and ignore spaces and dashes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.accounts.forms import PHONE_HINT, ChangePhoneForm

CODE_REQUIRED = _("Enter the code.")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        error_messages={"required": CODE_REQUIRED, "max_length": _("That code is too long.")},
        widget=forms.TextInput(
            attrs={
                "class": "usa-input usa-input--medium",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )


class VerifyForm(CodeForm):
    trust = forms.BooleanField(
        required=False,
        label=_("Trust this device for 30 days"),
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )


class BackupCodeForm(VerifyForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Backup code")
        self.fields["code"].error_messages["required"] = _("Enter one of your backup codes.")
        self.fields["code"].widget.attrs.update(
            {"inputmode": "text", "autocomplete": "off", "autocapitalize": "none"}
        )


class MethodKeyForm(forms.Form):
    """Names one of the account's own methods; the view looks it up for that account only."""

    method = forms.CharField(max_length=100)


class TrustedDeviceForm(forms.Form):
    device = forms.UUIDField()


class SetupPhoneForm(ChangePhoneForm):
    """The number to text codes to, asked on the text-message setup page when the account has
    none yet; the first code sent to it proves it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = True
        self.fields["phone"].help_text = PHONE_HINT
        self.fields["phone"].error_messages["required"] = _("Enter your mobile phone number.")
