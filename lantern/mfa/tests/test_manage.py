from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts import reauth
from lantern.accounts.backends import ACCOUNT_BACKEND
from lantern.mfa.models import TrustedDevice
from lantern.mfa.services import backup_code_hash, backup_codes_create, trusted_device_create
from lantern.testing.auth import sign_in
from lantern.testing.factories_mfa import SmsDeviceFactory, TOTPDeviceFactory

pytestmark = pytest.mark.django_db

MANAGE = reverse("mfa:manage")
REMOVE = reverse("mfa:method_remove")
REGENERATE = reverse("mfa:backup_codes_regenerate")


@pytest.fixture
def signed_in_alice(client, alice):
    return sign_in(client, alice)


def confirm_password(client) -> None:
    session = client.session
    session[reauth.SESSION_KEY] = timezone.now().timestamp()
    session.save()


def test_the_manage_page_lists_methods_backup_codes_and_trusted_devices(signed_in_alice, alice):
    TOTPDeviceFactory(user=alice)
    backup_codes_create(user=alice)
    trusted_device_create(
        user=alice,
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
    )

    response = signed_in_alice.get(MANAGE)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Authenticator app" in content
    assert "<strong>10</strong> unused codes" in content
    assert "Chrome on Android" in content
    assert "usa-table--stacked" in content


def test_the_manage_page_needs_the_second_factor(client, alice):
    TOTPDeviceFactory(user=alice)
    client.force_login(alice, backend=ACCOUNT_BACKEND)

    response = client.get(MANAGE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa:verify"))


def test_removing_a_method_asks_for_the_password_again(signed_in_alice, alice):
    app = TOTPDeviceFactory(user=alice)
    SmsDeviceFactory(user=alice)

    response = signed_in_alice.post(REMOVE, {"method": app.persistent_id})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:confirm_password"))
    assert TOTPDevice.objects.filter(pk=app.pk).exists()


def test_a_method_is_removed_after_the_password_is_confirmed(signed_in_alice, alice):
    app = TOTPDeviceFactory(user=alice)
    SmsDeviceFactory(user=alice)
    confirm_password(signed_in_alice)

    response = signed_in_alice.post(REMOVE, {"method": app.persistent_id})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=app.pk).exists()


def test_the_last_method_cannot_be_removed(signed_in_alice, alice):
    app = TOTPDeviceFactory(user=alice)
    confirm_password(signed_in_alice)

    response = signed_in_alice.post(REMOVE, {"method": app.persistent_id}, follow=True)

    assert TOTPDevice.objects.filter(pk=app.pk).exists()
    assert "You cannot remove your only way to sign in" in response.content.decode()


def test_another_accounts_method_cannot_be_removed(signed_in_alice, alice, charlie):
    TOTPDeviceFactory(user=alice)
    SmsDeviceFactory(user=alice)
    charlies = TOTPDeviceFactory(user=charlie)
    TOTPDeviceFactory(user=charlie, name="Second app")
    confirm_password(signed_in_alice)

    response = signed_in_alice.post(REMOVE, {"method": charlies.persistent_id})

    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=charlies.pk).exists()


def test_new_backup_codes_ask_for_the_password_and_replace_the_old_ones(signed_in_alice, alice):
    TOTPDeviceFactory(user=alice)
    old = backup_codes_create(user=alice).codes

    assert signed_in_alice.post(REGENERATE).url.startswith(reverse("accounts:confirm_password"))
    confirm_password(signed_in_alice)
    response = signed_in_alice.post(REGENERATE)

    new = response.context["codes"]
    stored = set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True))
    assert response.status_code == 200
    assert stored == {backup_code_hash(code) for code in new}
    assert not stored & {backup_code_hash(code) for code in old}
    assert new[0] in response.content.decode()
    assert response.context["next"] == reverse("mfa:manage")


def test_a_trusted_device_can_be_revoked_from_the_manage_page(signed_in_alice, alice):
    TOTPDeviceFactory(user=alice)
    trusted_device_create(user=alice, user_agent="")
    device = TrustedDevice.objects.get(user=alice)

    signed_in_alice.post(reverse("mfa:trusted_device_revoke"), {"device": device.public_id})

    assert not TrustedDevice.objects.filter(user=alice).exists()


def test_another_accounts_trusted_device_is_left_alone(signed_in_alice, alice, charlie):
    trusted_device_create(user=charlie, user_agent="")
    device = TrustedDevice.objects.get(user=charlie)

    signed_in_alice.post(reverse("mfa:trusted_device_revoke"), {"device": device.public_id})

    assert TrustedDevice.objects.filter(pk=device.pk).exists()
