from __future__ import annotations

import base64
import html
import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.audit.models import AuditAction, AuditEvent
from lantern.mfa.models import SmsDevice
from lantern.mfa.services import backup_code_hash
from lantern.testing.factories_mfa import current_totp_code

from .conftest import last_code_sent_to

pytestmark = pytest.mark.django_db

SETUP_APP = reverse("mfa:setup_method", args=["app"])


def test_the_setup_page_recommends_the_authenticator_app_first(half_signed_in):
    response = half_signed_in.get(reverse("mfa:setup"))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.index("Authenticator app") < content.index("Passkey")
    assert "Recommended" in content


def test_a_new_account_can_finish_setup_with_an_email_code_only(half_signed_in, alice):
    # A new account's address is not confirmed yet: the code sent to it confirms it.
    assert alice.email_verified_at is None
    assert "Code by email" in half_signed_in.get(reverse("mfa:setup")).content.decode()
    url = reverse("mfa:setup_method", args=["email"])
    half_signed_in.get(url)

    half_signed_in.post(reverse("mfa:setup_send", args=["email"]))
    response = half_signed_in.post(url, {"code": last_code_sent_to(alice.email)})

    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert EmailDevice.objects.get(user=alice).confirmed
    alice.refresh_from_db()
    assert alice.email_verified_at is not None
    assert half_signed_in.get(reverse("mfa:manage")).status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.FACTOR_ADDED, object_id="email", subject=alice
    ).exists()


def test_a_wrong_email_code_confirms_neither_the_method_nor_the_address(half_signed_in, alice):
    url = reverse("mfa:setup_method", args=["email"])
    half_signed_in.get(url)
    half_signed_in.post(reverse("mfa:setup_send", args=["email"]))

    half_signed_in.post(url, {"code": "000000"})

    alice.refresh_from_db()
    assert alice.email_verified_at is None
    assert not EmailDevice.objects.get(user=alice).confirmed


def test_a_new_account_can_finish_setup_with_a_text_code_after_giving_a_number(
    half_signed_in, alice
):
    assert "Code by text message" in half_signed_in.get(reverse("mfa:setup")).content.decode()
    url = reverse("mfa:setup_method", args=["sms"])

    asked = half_signed_in.get(url)
    assert 'name="phone"' in asked.content.decode()
    refused = half_signed_in.post(url, {"phone": "12"})
    assert "Enter a phone number we can text" in refused.content.decode()
    given = half_signed_in.post(url, {"phone": "202-555-0143"})
    assert given.status_code == 302
    half_signed_in.post(reverse("mfa:setup_send", args=["sms"]))
    response = half_signed_in.post(url, {"code": last_code_sent_to("+12025550143")})

    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert SmsDevice.objects.get(user=alice, phone="+12025550143").confirmed
    assert half_signed_in.get(reverse("mfa:manage")).status_code == 200


def test_the_app_page_links_the_same_key_for_an_app_on_this_phone(half_signed_in, alice):
    content = half_signed_in.get(SETUP_APP).content.decode()

    device = TOTPDevice.objects.get(user=alice)
    link = re.search(r'href="(otpauth://[^"]+)"', content)
    assert link is not None
    assert html.unescape(link.group(1)) == device.config_url
    secret = base64.b32encode(device.bin_key).decode()
    assert f"secret={secret}" in html.unescape(link.group(1))
    assert "Add to an authenticator app on this phone" in content


def test_the_app_page_shows_a_qr_code_and_the_secret_as_text(half_signed_in, alice):
    response = half_signed_in.get(SETUP_APP)

    device = TOTPDevice.objects.get(user=alice)
    content = response.content.decode()
    assert not device.confirmed
    assert "<svg" in content
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    assert f"<span>{secret[:4]}</span>" in content
    assert 'autocomplete="one-time-code"' in content
    assert 'inputmode="numeric"' in content
    # Reloading the page keeps the same secret, so an app already set up still matches.
    half_signed_in.get(SETUP_APP)
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_confirming_the_app_gives_backup_codes_and_finishes_sign_in(half_signed_in, alice):
    half_signed_in.get(SETUP_APP)
    device = TOTPDevice.objects.get(user=alice)

    response = half_signed_in.post(
        SETUP_APP, {"code": current_totp_code(device), "next": "/two-factor/"}
    )

    device.refresh_from_db()
    assert device.confirmed
    # The codes are shown once, in the answer to the code that confirmed the app.
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert codes[0] in response.content.decode()
    assert "I have saved these codes" in response.content.decode()
    assert response.context["next"] == "/two-factor/"
    # Stored only as keyed hashes.
    stored = set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True))
    assert stored == {backup_code_hash(code) for code in codes}
    assert not stored & set(codes)

    done = half_signed_in.post(reverse("mfa:backup_codes"), {"next": "/two-factor/"})
    assert done.url == "/two-factor/"
    # Fully signed in now: the manage page opens.
    assert half_signed_in.get(reverse("mfa:manage")).status_code == 200


def test_a_wrong_code_does_not_confirm_the_app(half_signed_in, alice):
    half_signed_in.get(SETUP_APP)

    response = half_signed_in.post(SETUP_APP, {"code": "000000"})

    assert response.status_code == 200
    assert "That code did not work" in response.content.decode()
    assert not TOTPDevice.objects.get(user=alice).confirmed
    assert half_signed_in.get(reverse("mfa:manage")).status_code == 302


def test_email_codes_are_set_up_with_a_code_from_the_outbox(half_signed_in, verified_email):
    alice = verified_email
    url = reverse("mfa:setup_method", args=["email"])
    half_signed_in.get(url)

    half_signed_in.post(reverse("mfa:setup_send", args=["email"]))
    response = half_signed_in.post(url, {"code": last_code_sent_to(alice.email)})

    # Confirmed: the first method's backup codes are shown in the answer.
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert EmailDevice.objects.get(user=alice).confirmed
    # The code itself is not stored.
    assert EmailDevice.objects.get(user=alice).token is None


def test_text_codes_are_set_up_with_a_code_from_the_outbox(half_signed_in, alice):
    alice.phone = "+15555550123"
    alice.save()
    url = reverse("mfa:setup_method", args=["sms"])
    half_signed_in.get(url)

    half_signed_in.post(reverse("mfa:setup_send", args=["sms"]))
    device = SmsDevice.objects.get(user=alice)
    code = last_code_sent_to("+15555550123")
    assert device.token != code
    response = half_signed_in.post(url, {"code": code})

    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert SmsDevice.objects.get(user=alice).confirmed


def test_once_set_up_the_setup_pages_ask_for_the_second_factor_first(half_signed_in, alice_app):
    response = half_signed_in.get(SETUP_APP)

    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa:verify"))


def test_adding_a_method_later_asks_for_the_password_again(client, alice, alice_app):
    from lantern.testing.auth import sign_in

    sign_in(client, alice)

    response = client.get(reverse("mfa:setup"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:confirm_password"))


def test_the_passkey_page_loads_the_librarys_script_from_our_static_files(half_signed_in):
    response = half_signed_in.get(reverse("mfa:setup_passkey"))

    content = response.content.decode()
    assert "django_otp_webauthn/otp_webauthn_register.js" in content
    assert "https://" not in content.split("otp_webauthn_config")[1].split("</script>")[0]
    assert reverse("mfa:passkey_setup_registration_begin") in content
