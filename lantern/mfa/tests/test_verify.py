from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from lantern.mfa.models import TrustedDevice
from lantern.mfa.services import (
    TRUST_COOKIE_NAME,
    backup_codes_create,
    trusted_devices_revoke,
)
from lantern.testing.auth import sign_in_password_only
from lantern.testing.factories_mfa import (
    EmailDeviceFactory,
    SmsDeviceFactory,
    TOTPDeviceFactory,
    current_totp_code,
)

from .conftest import last_code_sent_to

pytestmark = pytest.mark.django_db

VERIFY = reverse("mfa:verify")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def is_fully_signed_in(client) -> bool:
    return client.get(reverse("mfa:manage")).status_code == 200


def test_the_verify_page_sends_an_account_without_a_factor_to_setup(half_signed_in):
    response = half_signed_in.get(f"{VERIFY}?next=/account/")

    assert response.status_code == 302
    assert response.url == f"{reverse('mfa:setup')}?next=%2Faccount%2F"


def test_the_verify_page_asks_for_a_code_and_offers_backup_codes(half_signed_in, alice_app):
    response = half_signed_in.get(VERIFY)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert 'autocomplete="one-time-code"' in content
    assert "A backup code" in content
    assert "Trust this device for 30 days" in content


@time_machine.travel(START, tick=False)
def test_the_app_code_signs_in_and_goes_to_next(half_signed_in, alice_app):
    response = half_signed_in.post(
        VERIFY, {"code": current_totp_code(alice_app), "next": "/two-factor/"}
    )

    assert response.status_code == 302
    assert response.url == "/two-factor/"
    assert is_fully_signed_in(half_signed_in)


@time_machine.travel(START, tick=False)
def test_an_app_code_cannot_be_used_twice(client, alice, alice_app):
    code = current_totp_code(alice_app)
    sign_in_password_only(client, alice)
    client.post(VERIFY, {"code": code})

    other_browser = sign_in_password_only(type(client)(), alice)
    response = other_browser.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert "That code did not work" in response.content.decode()
    assert not is_fully_signed_in(other_browser)


def test_an_off_site_next_is_ignored(half_signed_in, alice_app):
    with time_machine.travel(START, tick=False):
        response = half_signed_in.post(
            VERIFY, {"code": current_totp_code(alice_app), "next": "https://evil.example/"}
        )

    assert response.url == "/"


def test_an_email_code_signs_in_once_and_expires_after_ten_minutes(client, verified_email):
    alice = verified_email
    device = EmailDeviceFactory(user=alice)
    sign_in_password_only(client, alice)
    with time_machine.travel(START, tick=False):
        client.post(reverse("mfa:verify_send"), {"method": "email"})
        code = last_code_sent_to(alice.email)
    device.refresh_from_db()
    assert device.token != code

    with time_machine.travel(START + dt.timedelta(minutes=10, seconds=1), tick=False):
        expired = client.post(f"{VERIFY}?method=email", {"code": code})
    assert "That code did not work" in expired.content.decode()

    with time_machine.travel(START + dt.timedelta(minutes=11), tick=False):
        client.post(reverse("mfa:verify_send"), {"method": "email"})
        fresh = last_code_sent_to(alice.email)
        accepted = client.post(f"{VERIFY}?method=email", {"code": fresh})
    assert accepted.status_code == 302

    again = sign_in_password_only(type(client)(), alice)
    with time_machine.travel(START + dt.timedelta(minutes=12), tick=False):
        reused = again.post(f"{VERIFY}?method=email", {"code": fresh})
    assert reused.status_code == 200


def test_a_text_code_signs_in(client, alice):
    SmsDeviceFactory(user=alice, phone="+15555550199")
    sign_in_password_only(client, alice)

    client.post(reverse("mfa:verify_send"), {"method": "sms"})
    response = client.post(f"{VERIFY}?method=sms", {"code": last_code_sent_to("+15555550199")})

    assert response.status_code == 302
    assert is_fully_signed_in(client)


def test_sending_codes_is_throttled(client, alice):
    from lantern.notifications.models import Notification

    SmsDeviceFactory(user=alice, phone="+15555550199")
    sign_in_password_only(client, alice)
    send = reverse("mfa:verify_send")

    with time_machine.travel(START, tick=False) as clock:
        client.post(send, {"method": "sms"})
        client.post(send, {"method": "sms"})
        assert Notification.objects.filter(to_address="+15555550199").count() == 1
        for _ in range(6):
            clock.shift(dt.timedelta(seconds=31))
            client.post(send, {"method": "sms"})
        # At most 5 in 15 minutes.
        assert Notification.objects.filter(to_address="+15555550199").count() == 5
        clock.shift(dt.timedelta(minutes=15))
        client.post(send, {"method": "sms"})
        assert Notification.objects.filter(to_address="+15555550199").count() == 6


def test_sending_a_code_for_a_method_the_account_lacks_is_not_found(half_signed_in, alice_app):
    response = half_signed_in.post(reverse("mfa:verify_send"), {"method": "email"})

    assert response.status_code == 404


def test_repeated_wrong_codes_make_the_account_wait_even_for_the_right_code(
    half_signed_in, alice_app
):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            clock.shift(dt.timedelta(minutes=1))
            half_signed_in.post(VERIFY, {"code": "000000"})
        clock.shift(dt.timedelta(minutes=1))
        response = half_signed_in.post(VERIFY, {"code": current_totp_code(alice_app)})

        assert response.status_code == 200
        assert "too many wrong codes" in response.content.decode()
        assert not is_fully_signed_in(half_signed_in)

        clock.shift(dt.timedelta(minutes=15))
        response = half_signed_in.post(VERIFY, {"code": current_totp_code(alice_app)})
    assert response.status_code == 302


def test_django_otp_slows_down_quick_wrong_guesses(half_signed_in, alice_app):
    with time_machine.travel(START, tick=False):
        half_signed_in.post(VERIFY, {"code": "000000"})
        # The right code a moment after a wrong one still waits for the growing delay.
        response = half_signed_in.post(VERIFY, {"code": current_totp_code(alice_app)})

    assert response.status_code == 200
    alice_app.refresh_from_db()
    assert alice_app.throttling_failure_count >= 1


def test_a_backup_code_works_once(client, alice, alice_app):
    codes = backup_codes_create(user=alice).codes
    sign_in_password_only(client, alice)

    with time_machine.travel(START, tick=False) as clock:
        response = client.post(f"{VERIFY}?method=backup", {"code": codes[0].upper()})
        assert response.status_code == 302

        again = sign_in_password_only(type(client)(), alice)
        reused = again.post(f"{VERIFY}?method=backup", {"code": codes[0]})
        assert reused.status_code == 200
        assert not is_fully_signed_in(again)
        # After django-otp's short wait following a wrong code, another code works.
        clock.shift(dt.timedelta(seconds=2))
        assert again.post(f"{VERIFY}?method=backup", {"code": codes[1]}).status_code == 302


def test_new_backup_codes_replace_the_old_ones(client, alice, alice_app):
    old = backup_codes_create(user=alice).codes
    new = backup_codes_create(user=alice).codes
    sign_in_password_only(client, alice)

    with time_machine.travel(START, tick=False) as clock:
        assert client.post(f"{VERIFY}?method=backup", {"code": old[0]}).status_code == 200
        clock.shift(dt.timedelta(seconds=2))
        assert client.post(f"{VERIFY}?method=backup", {"code": new[0]}).status_code == 302


# Trusted devices.


def trust_this_browser(client, device) -> None:
    client.post(VERIFY, {"code": current_totp_code(device), "trust": "on"})


def sign_out_keeping_the_trust_cookie(client) -> None:
    # The test client's logout forgets every cookie; a browser keeps the trust cookie.
    cookie = client.cookies[TRUST_COOKIE_NAME]
    client.logout()
    client.cookies[TRUST_COOKIE_NAME] = cookie


def test_a_trusted_browser_skips_the_code_but_not_the_password(client, alice, alice_app):
    with time_machine.travel(START, tick=False):
        sign_in_password_only(client, alice)
        trust_this_browser(client, alice_app)
    cookie = client.cookies[TRUST_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert TrustedDevice.objects.get(user=alice).token_hash not in cookie.value

    sign_out_keeping_the_trust_cookie(client)
    with time_machine.travel(START + dt.timedelta(days=29), tick=False):
        assert not is_fully_signed_in(client)
        sign_in_password_only(client, alice)
        response = client.get(f"{VERIFY}?next=/two-factor/")
        assert response.status_code == 302
        assert response.url == "/two-factor/"
        assert is_fully_signed_in(client)


def test_a_trusted_browser_asks_again_after_thirty_days(client, alice, alice_app):
    with time_machine.travel(START, tick=False):
        sign_in_password_only(client, alice)
        trust_this_browser(client, alice_app)
    sign_out_keeping_the_trust_cookie(client)

    with time_machine.travel(START + dt.timedelta(days=30, minutes=1), tick=False):
        sign_in_password_only(client, alice)
        response = client.get(VERIFY)

    assert response.status_code == 200
    assert not is_fully_signed_in(client)


def test_a_revoked_trusted_browser_asks_for_the_code_again(client, alice, alice_app):
    with time_machine.travel(START, tick=False):
        sign_in_password_only(client, alice)
        trust_this_browser(client, alice_app)
    sign_out_keeping_the_trust_cookie(client)

    trusted_devices_revoke(user=alice)
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        sign_in_password_only(client, alice)

        assert client.get(VERIFY).status_code == 200
        assert not is_fully_signed_in(client)


def test_revoking_trust_ends_the_sessions_it_let_in(client, alice, alice_app):
    with time_machine.travel(START, tick=False):
        sign_in_password_only(client, alice)
        trust_this_browser(client, alice_app)
    sign_out_keeping_the_trust_cookie(client)
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        sign_in_password_only(client, alice)
        client.get(VERIFY)
        assert is_fully_signed_in(client)

        trusted_devices_revoke(user=alice)

        assert not is_fully_signed_in(client)


def test_another_accounts_trusted_cookie_does_not_skip_the_code(client, alice, charlie):
    with time_machine.travel(START, tick=False):
        sign_in_password_only(client, alice)
        trust_this_browser(client, TOTPDeviceFactory(user=alice))
    sign_out_keeping_the_trust_cookie(client)
    TOTPDeviceFactory(user=charlie)

    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        sign_in_password_only(client, charlie)

        assert client.get(VERIFY).status_code == 200
        assert not is_fully_signed_in(client)


def test_trusting_is_not_the_default(client, alice, alice_app):
    with time_machine.travel(START, tick=False):
        sign_in_password_only(client, alice)
        client.post(VERIFY, {"code": current_totp_code(alice_app)})

    assert TRUST_COOKIE_NAME not in client.cookies
    assert not TrustedDevice.objects.filter(user=alice, expires_at__gt=timezone.now()).exists()
