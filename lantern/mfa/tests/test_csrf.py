"""Every form on the second-factor pages is refused without its CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts import reauth
from lantern.testing.auth import sign_in, sign_in_password_only
from lantern.testing.factories_mfa import SmsDeviceFactory, TOTPDeviceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client():
    return Client(enforce_csrf_checks=True)


HALF_SIGNED_IN_FORMS = [
    (reverse("mfa:setup_method", args=["app"]), {"code": "123456"}, False),
    (reverse("mfa:setup_send", args=["sms"]), {}, False),
    (reverse("mfa:setup_method", args=["sms"]), {"code": "123456"}, False),
    (reverse("mfa:verify"), {"code": "123456"}, True),
    (reverse("mfa:verify_send"), {"method": "sms"}, True),
    (reverse("mfa:passkey_setup_registration_begin"), {}, False),
    (reverse("mfa:passkey_authentication_begin"), {}, True),
]


@pytest.mark.parametrize(("url", "data", "has_factor"), HALF_SIGNED_IN_FORMS)
def test_second_factor_forms_need_the_csrf_token(strict_client, alice, url, data, has_factor):
    alice.phone = "+15555550123"
    alice.save()
    if has_factor:
        SmsDeviceFactory(user=alice)
    sign_in_password_only(strict_client, alice)

    assert strict_client.post(url, data).status_code == 403


SIGNED_IN_FORMS = [
    (reverse("mfa:backup_codes"), {}),
    (reverse("mfa:backup_codes_regenerate"), {}),
    (reverse("mfa:method_remove"), {"method": "x"}),
    (reverse("mfa:trusted_device_revoke"), {"device": "00000000-0000-0000-0000-000000000000"}),
    (reverse("mfa:passkey_registration_begin"), {}),
]


@pytest.mark.parametrize(("url", "data"), SIGNED_IN_FORMS)
def test_manage_forms_need_the_csrf_token(strict_client, alice, url, data):
    TOTPDeviceFactory(user=alice)
    sign_in(strict_client, alice)
    session = strict_client.session
    session[reauth.SESSION_KEY] = timezone.now().timestamp()
    session.save()

    assert strict_client.post(url, data).status_code == 403


def test_the_forms_carry_the_csrf_token(strict_client, alice):
    sign_in_password_only(strict_client, alice)

    response = strict_client.get(reverse("mfa:setup_method", args=["app"]))

    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
