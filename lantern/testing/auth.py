"""Signing test clients in as a fully signed-in account (password and second factor)."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from lantern.accounts.backends import ACCOUNT_BACKEND


def sign_in(client: Client, user) -> Client:
    """Log the client in and mark the session as having passed the second factor.

    Uses a confirmed backup-code device, as if the person had typed one of their codes.
    """
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Backup codes", defaults={"confirmed": True}
    )
    client.force_login(user, backend=ACCOUNT_BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    _accept_current_terms(user)
    return client


def sign_in_password_only(client: Client, user) -> Client:
    """Log the client in with the password alone: the second factor is still to come."""
    client.force_login(user, backend=ACCOUNT_BACKEND)
    return client


def _accept_current_terms(user) -> None:
    # The terms of use arrive with enrollment; accept them when that app provides the service.
    try:
        from lantern.enrollment.testing import accept_current_terms
    except ImportError:
        return
    accept_current_terms(user)
