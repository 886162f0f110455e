"""Factories for second-factor devices, and helpers to produce the codes they accept."""

from __future__ import annotations

import factory
from django_otp.oath import totp
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.mfa.models import SmsDevice


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    name = "Authenticator app"
    confirmed = True

    class Meta:
        model = TOTPDevice


class EmailDeviceFactory(factory.django.DjangoModelFactory):
    name = "Email"
    confirmed = True
    email = factory.LazyAttribute(lambda device: device.user.email)

    class Meta:
        model = EmailDevice


class SmsDeviceFactory(factory.django.DjangoModelFactory):
    name = "Text message"
    confirmed = True
    phone = "+15555550123"

    class Meta:
        model = SmsDevice


def current_totp_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for `device` (time_machine moves "now")."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"
