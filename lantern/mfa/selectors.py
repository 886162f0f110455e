"""Reading an account's second factors: its sign-in methods, backup codes and trusted browsers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from .models import SmsDevice, TrustedDevice


class MethodKind(models.TextChoices):
    APP = "app", _("Authenticator app")
    PASSKEY = "passkey", _("Passkey")
    EMAIL = "email", _("Code by email")
    SMS = "sms", _("Code by text message")


# The order methods are offered and listed in: the authenticator app is recommended first.
METHOD_ORDER = (MethodKind.APP, MethodKind.PASSKEY, MethodKind.EMAIL, MethodKind.SMS)
METHOD_MODELS: dict[MethodKind, type[Device]] = {
    MethodKind.APP: TOTPDevice,
    MethodKind.PASSKEY: WebAuthnCredential,
    MethodKind.EMAIL: EmailDevice,
    MethodKind.SMS: SmsDevice,
}
BACKUP_DEVICE_NAME = "Backup codes"


@dataclass(frozen=True)
class SignInMethod:
    """One confirmed second factor, as pages show it."""

    kind: MethodKind
    device: Device
    # Where a code goes ("a•••@example.org", "phone ending 1234"), empty for app and passkey.
    destination: str
    created_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @property
    def key(self) -> str:
        """The method's reference in forms (never in a URL); always looked up for the account."""
        return self.device.persistent_id

    @property
    def label(self) -> str:
        return str(self.kind.label)

    @property
    def sends_codes(self) -> bool:
        return self.kind in (MethodKind.EMAIL, MethodKind.SMS)


def email_is_verified(user: Any) -> bool:
    return bool(user.email) and getattr(user, "email_verified_at", None) is not None


def phone_number(user: Any) -> str:
    return (getattr(user, "phone", "") or "").strip()


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


def phone_last_digits(number: str) -> str:
    return "".join([character for character in number if character.isdigit()][-4:])


def mask_phone(number: str) -> str:
    return gettext("phone number ending %(digits)s") % {"digits": phone_last_digits(number)}


def _destination(kind: MethodKind, device: Device) -> str:
    if kind == MethodKind.EMAIL:
        return mask_email(device.email or device.user.email)
    if kind == MethodKind.SMS:
        return mask_phone(device.phone)
    return ""


def sign_in_methods(*, user: Any) -> list[SignInMethod]:
    """The account's confirmed second factors, apart from backup codes, in the offered order."""
    methods: list[SignInMethod] = []
    for kind in METHOD_ORDER:
        model = METHOD_MODELS[kind]
        for device in model.objects.filter(user=user, confirmed=True).order_by("id"):
            methods.append(
                SignInMethod(
                    kind=kind,
                    device=device,
                    destination=_destination(kind, device),
                    created_at=device.created_at,
                    last_used_at=device.last_used_at,
                )
            )
    return methods


def has_sign_in_method(*, user: Any) -> bool:
    return any(
        METHOD_MODELS[kind].objects.filter(user=user, confirmed=True).exists()
        for kind in METHOD_ORDER
    )


def default_method(methods: list[SignInMethod]) -> SignInMethod | None:
    """The method used last; if none has been used yet, the first in the offered order."""
    if not methods:
        return None
    used = [method for method in methods if method.last_used_at is not None]
    if used:
        return max(used, key=lambda method: method.last_used_at)
    return methods[0]


def method_for_key(*, user: Any, key: str) -> SignInMethod | None:
    """The account's own confirmed method with this form reference, or None."""
    for method in sign_in_methods(user=user):
        if method.key == key:
            return method
    return None


def setup_choices(*, user: Any) -> list[MethodKind]:
    """Methods the account can add now: email needs an address on the account (the first code
    sent to it confirms it); text messages ask for a number on their setup page if there is none.

    An account has at most one authenticator app, one email and one phone method (any number of
    passkeys), so the verify page can name a method by its kind.
    """
    choices = [MethodKind.APP, MethodKind.PASSKEY]
    if user.email:
        choices.append(MethodKind.EMAIL)
    choices.append(MethodKind.SMS)
    return [
        kind
        for kind in choices
        if kind == MethodKind.PASSKEY
        or not METHOD_MODELS[kind].objects.filter(user=user, confirmed=True).exists()
    ]


def backup_device(*, user: Any) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def backup_codes_left(*, user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def trusted_devices(*, user: Any) -> list[TrustedDevice]:
    """The browsers the account trusts now (not expired), newest first."""
    return list(
        TrustedDevice.objects.filter(
            user=user, confirmed=True, expires_at__gt=timezone.now()
        ).order_by("-created_at")
    )
