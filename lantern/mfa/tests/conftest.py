from __future__ import annotations

import re

import pytest
from django.utils import timezone

from lantern.notifications.models import Notification, NotificationKind
from lantern.testing.auth import _accept_current_terms, sign_in_password_only
from lantern.testing.factories_mfa import TOTPDeviceFactory


@pytest.fixture
def half_signed_in(client, alice):
    """A browser where alice has given her password but not yet her second factor.

    She has accepted the current terms, so finishing the second factor leads straight on.
    """
    _accept_current_terms(alice)
    return sign_in_password_only(client, alice)


@pytest.fixture
def alice_app(alice):
    return TOTPDeviceFactory(user=alice)


@pytest.fixture
def verified_email(alice):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    return alice


def last_code_sent_to(address: str) -> str:
    """The 6-digit code in the newest sign-in code message to `address` (from the outbox)."""
    message = (
        Notification.objects.filter(kind=NotificationKind.SIGN_IN_CODE, to_address=address)
        .order_by("-created_at")
        .first()
    )
    assert message is not None, f"no sign-in code was sent to {address}"
    return re.search(r"\b(\d{6})\b", message.body).group(1)


# The personas have accepted the current terms, so a finished second factor leads straight on
# instead of to the terms page (which the enrollment app tests).
@pytest.fixture
def alice(alice):
    _accept_current_terms(alice)
    return alice


@pytest.fixture
def charlie(charlie):
    _accept_current_terms(charlie)
    return charlie
