"""Helpers for the accounts tests: signing in through the real page, then passing the second
factor the way the mfa app does (django-otp marks the session with a device)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from lantern.accounts.services import sign_in_complete
from lantern.accounts.session_state import SIGN_IN_EVENT_ID

PASSWORD = "correct horse battery staple"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def password_step(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(
        reverse("accounts:sign_in"), {"username": username, "password": password}, **extra
    )


def pass_second_factor(client: Client, user) -> None:
    """Mark the session verified and its password step completed, as
    lantern.mfa.services.session_verify does (the mfa tests go through the real pages)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="test")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    sign_in_event_id = session.get(SIGN_IN_EVENT_ID)
    if sign_in_event_id:
        sign_in_complete(user=user, sign_in_event_id=sign_in_event_id)
    accept_current_terms(user)


def accept_current_terms(user) -> None:
    """The enrollment app holds accounts at the terms page until they accept the current ones."""
    from lantern.enrollment.selectors import terms_acceptance_due, terms_current
    from lantern.enrollment.services import terms_accept

    if terms_acceptance_due(user=user):
        terms_accept(user=user, version=terms_current())


def sign_in(client: Client, user, **extra) -> Client:
    response = password_step(client, user.username, **extra)
    assert response.status_code == 302, response.content[:500]
    pass_second_factor(client, user)
    return client


def without_csrf_token(html: str | bytes) -> str:
    """The page without its CSRF tokens (masked differently on every response)."""
    if isinstance(html, bytes):
        html = html.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


@pytest.fixture
def verified(alice):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    return alice


@pytest.fixture
def alice_client(verified) -> Client:
    return sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
