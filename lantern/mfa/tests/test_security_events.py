"""Adding or removing a second factor and forgetting a trusted browser are security events."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts import reauth
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.mfa.models import TrustedDevice
from lantern.mfa.services import passkey_registered, trusted_device_create
from lantern.testing.auth import sign_in
from lantern.testing.factories_mfa import SmsDeviceFactory, TOTPDeviceFactory, current_totp_code

pytestmark = pytest.mark.django_db


def events(user, action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject=user, action=action).order_by("id"))


def confirm_password(client) -> None:
    session = client.session
    session[reauth.SESSION_KEY] = timezone.now().timestamp()
    session.save()


def test_setting_up_the_app_is_one_factor_added_event(half_signed_in, alice):
    setup = reverse("mfa:setup_method", args=["app"])
    half_signed_in.get(setup)
    device = TOTPDevice.objects.get(user=alice)

    half_signed_in.post(setup, {"code": current_totp_code(device)})

    # The backup codes that come with the first method are part of the same action.
    [event] = events(alice, AuditAction.FACTOR_ADDED)
    assert (event.actor, event.actor_role, event.patient) == (alice, ActorRole.SELF, None)
    assert (event.object_type, event.object_id) == ("second_factor", "app")


def test_a_wrong_code_adds_no_factor_event(half_signed_in, alice):
    setup = reverse("mfa:setup_method", args=["app"])
    half_signed_in.get(setup)

    half_signed_in.post(setup, {"code": "000000"})

    assert events(alice, AuditAction.FACTOR_ADDED) == []


def test_a_registered_passkey_is_a_factor_added_event(alice):
    TOTPDeviceFactory(user=alice)

    passkey_registered(user=alice)

    [event] = events(alice, AuditAction.FACTOR_ADDED)
    assert event.object_id == "passkey"


def test_new_backup_codes_are_a_factor_added_event(client, alice):
    TOTPDeviceFactory(user=alice)
    signed_in = sign_in(client, alice)
    confirm_password(signed_in)

    signed_in.post(reverse("mfa:backup_codes_regenerate"))

    [event] = events(alice, AuditAction.FACTOR_ADDED)
    assert event.object_id == "backup_codes"


def test_removing_a_method_is_a_factor_removed_event(client, alice):
    app = TOTPDeviceFactory(user=alice)
    SmsDeviceFactory(user=alice)
    signed_in = sign_in(client, alice)
    confirm_password(signed_in)

    signed_in.post(reverse("mfa:method_remove"), {"method": app.persistent_id})

    [event] = events(alice, AuditAction.FACTOR_REMOVED)
    assert (event.actor, event.object_id) == (alice, "app")


def test_refusing_to_remove_the_last_method_writes_no_event(client, alice):
    app = TOTPDeviceFactory(user=alice)
    signed_in = sign_in(client, alice)
    confirm_password(signed_in)

    signed_in.post(reverse("mfa:method_remove"), {"method": app.persistent_id})

    assert events(alice, AuditAction.FACTOR_REMOVED) == []


def test_forgetting_a_trusted_browser_is_a_security_event(client, alice, charlie):
    TOTPDeviceFactory(user=alice)
    trusted_device_create(user=alice, user_agent="")
    trusted_device_create(user=charlie, user_agent="")
    mine = TrustedDevice.objects.get(user=alice)
    theirs = TrustedDevice.objects.get(user=charlie)
    signed_in = sign_in(client, alice)

    signed_in.post(reverse("mfa:trusted_device_revoke"), {"device": theirs.public_id})
    signed_in.post(reverse("mfa:trusted_device_revoke"), {"device": mine.public_id})

    [event] = events(alice, AuditAction.TRUSTED_BROWSER_REVOKED)
    assert (event.actor, event.object_id) == (alice, str(mine.public_id))
    assert events(charlie, AuditAction.TRUSTED_BROWSER_REVOKED) == []
