from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.devices import approximate_place, device_label
from lantern.accounts.forms import normalize_phone
from lantern.accounts.models import EmailVerification
from lantern.accounts.services import email_verification_start
from lantern.accounts.tests.conftest import PASSWORD, password_step, sign_in
from lantern.core.context_processors import ACCOUNT_NAVIGATION
from lantern.core.tests.test_layouts import Page
from lantern.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db


def confirm(client: Client) -> None:
    client.post(reverse("accounts:confirm_password"), {"password": PASSWORD})


def verification_path(user, email=None) -> str:
    body = (
        Notification.objects.filter(
            kind=NotificationKind.EMAIL_VERIFICATION, to_address=email or user.email
        )
        .latest("created_at")
        .body
    )
    link = re.search(r"https?://\S+/account/verify-email/\S+/", body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_the_account_page_has_every_section(alice_client):
    page = Page(alice_client.get(reverse("accounts:settings")).content.decode())
    assert len(page.find("h1")) == 1
    headings = [
        "Your details",
        "Password",
        "Two-step verification",
        "Where you're signed in",
        "Recent sign-ins",
    ]
    for heading in headings:
        assert heading in page.text
    assert page.find("a", href=reverse("mfa:manage"))
    assert page.find("a", href="/security-tips/")
    assert "alice@example.org Confirmed" in page.text


def test_the_account_menu_entries_lead_to_the_account_and_two_step_pages(alice_client):
    for item in ACCOUNT_NAVIGATION:
        assert alice_client.get(item.href).status_code == 200, item.label


def test_the_account_page_needs_a_full_sign_in(client, alice):
    assert client.get("/account/").url.startswith("/signin/")


@pytest.mark.parametrize(
    "name", ["accounts:change_password", "accounts:change_email", "accounts:change_phone"]
)
def test_changing_sign_in_details_asks_for_the_password_again(alice_client, name):
    response = alice_client.get(reverse(name))
    assert response.url == f"/account/confirm-password/?next={reverse(name).replace('/', '%2F')}"
    wrong = alice_client.post(
        reverse("accounts:confirm_password"), {"password": "nope", "next": reverse(name)}
    )
    assert "That password is not right" in wrong.content.decode()
    assert alice_client.get(reverse(name)).status_code == 302
    right = alice_client.post(
        reverse("accounts:confirm_password"), {"password": PASSWORD, "next": reverse(name)}
    )
    assert right.url == reverse(name)
    assert alice_client.get(reverse(name)).status_code == 200


def test_a_password_confirmation_lasts_five_minutes(verified):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client = sign_in(Client(), verified)
        confirm(client)
        traveller.shift(dt.timedelta(minutes=4))
        assert client.get(reverse("accounts:change_email")).status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        assert client.get(reverse("accounts:change_email")).status_code == 302


def test_the_confirm_page_sends_only_to_pages_on_this_site(alice_client):
    response = alice_client.post(
        reverse("accounts:confirm_password"),
        {"password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == "/account/"


def test_changing_the_email_tells_the_old_address_and_confirms_the_new_one(alice_client, verified):
    confirm(alice_client)
    response = alice_client.post(reverse("accounts:change_email"), {"email": "new@example.org"})
    assert response.url == "/account/"
    verified.refresh_from_db()
    assert verified.email == "new@example.org"
    assert verified.email_verified_at is None
    assert Notification.objects.filter(
        kind=NotificationKind.CONTACT_CHANGED, to_address="alice@example.org"
    ).exists()
    path = verification_path(verified, "new@example.org")
    assert Client().get(path, follow=True).status_code == 200
    done = Client().post(path)
    assert b"Your email address is confirmed" in done.content
    verified.refresh_from_db()
    assert verified.email_verified_at is not None


def test_an_email_confirmation_link_works_once(alice):
    email_verification_start(user=alice)
    path = verification_path(alice)
    assert Client().post(path).status_code == 200
    again = Client().post(path)
    assert again.status_code == 400
    assert b"This link does not work any more" in again.content


def test_an_email_confirmation_link_expires_after_three_days(alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        email_verification_start(user=alice)
        path = verification_path(alice)
    with time_machine.travel(start + dt.timedelta(days=3, minutes=1), tick=False):
        assert Client().post(path).status_code == 400
    alice.refresh_from_db()
    assert alice.email_verified_at is None


def test_a_new_confirmation_link_replaces_the_old_one(alice):
    email_verification_start(user=alice)
    old = verification_path(alice)
    email_verification_start(user=alice)
    new = verification_path(alice)
    assert Client().post(old).status_code == 400
    assert Client().post(new).status_code == 200
    assert EmailVerification.objects.filter(user=alice).count() == 2
    # Only a hash of the token is stored.
    token = new.rstrip("/").rsplit("/", 1)[-1]
    assert not EmailVerification.objects.filter(token_hash=token).exists()


def test_a_link_for_an_address_no_longer_on_the_account_does_not_confirm_it(alice):
    email_verification_start(user=alice)
    path = verification_path(alice)
    alice.email = "changed@example.org"
    alice.save()
    assert Client().post(path).status_code == 400
    alice.refresh_from_db()
    assert alice.email_verified_at is None


def test_opening_the_confirmation_link_does_not_use_it(alice):
    email_verification_start(user=alice)
    path = verification_path(alice)
    Client().get(path)
    alice.refresh_from_db()
    assert alice.email_verified_at is None


def test_an_unconfirmed_address_can_ask_for_a_new_link(alice):
    client = sign_in(Client(), alice)
    page = Page(client.get("/account/").content.decode())
    assert "Not confirmed yet" in page.text
    client.post(reverse("accounts:resend_verification"))
    assert Notification.objects.filter(
        kind=NotificationKind.EMAIL_VERIFICATION, to_address=alice.email
    ).exists()


def test_changing_the_phone_number_stores_it_and_tells_the_confirmed_address(
    alice_client, verified
):
    confirm(alice_client)
    bad = alice_client.post(reverse("accounts:change_phone"), {"phone": "12345"})
    assert "Include the area code" in bad.content.decode()
    assert b'aria-invalid="true"' in bad.content
    alice_client.post(reverse("accounts:change_phone"), {"phone": "(202) 555-0143"})
    verified.refresh_from_db()
    assert verified.phone == "+12025550143"
    assert Notification.objects.filter(
        kind=NotificationKind.CONTACT_CHANGED, to_address=verified.email
    ).exists()


def test_phone_numbers_are_stored_in_one_form():
    assert normalize_phone("202-555-0143") == "+12025550143"
    assert normalize_phone("1 202 555 0143") == "+12025550143"
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert normalize_phone("555-0143") is None


def test_places_hide_the_last_part_of_the_address():
    assert approximate_place("81.2.69.142") == "Internet address 81.2.69.x"
    assert approximate_place("10.1.2.3") == "On a private network"
    assert approximate_place("127.0.0.1") == "On a private network"
    assert approximate_place("2a00:1450:4009:81f::200e") == "Internet address 2a00:1450:4009:x"
    assert approximate_place(None) == "Unknown place"


def test_devices_are_named_in_plain_words():
    assert device_label("") == "Unknown device"
    assert device_label("curl/8.0") == "curl"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("accounts:confirm_password", {"password": PASSWORD}),
        ("accounts:change_password", {"new_password": "a lantern by the river at dusk"}),
        ("accounts:change_email", {"email": "new@example.org"}),
        ("accounts:change_phone", {"phone": "202-555-0143"}),
        ("accounts:resend_verification", {}),
    ],
)
def test_account_forms_need_the_csrf_token(alice_client, verified, name, data):
    confirm(alice_client)
    alice_client.handler.enforce_csrf_checks = True
    assert alice_client.post(reverse(name), data).status_code == 403
    verified.refresh_from_db()
    assert verified.email == "alice@example.org"
    assert verified.phone == ""


def test_the_email_confirmation_form_needs_the_csrf_token(alice):
    email_verification_start(user=alice)
    path = verification_path(alice)
    assert Client(enforce_csrf_checks=True).post(path).status_code == 403


def test_the_security_tips_page_is_open_to_everyone(client):
    text = Page(client.get("/security-tips/").content.decode()).text
    assert "will never ask for your password" in text
    for topic in ["fake emails", "strong password", "shared or public computer"]:
        assert topic in text


def test_confirm_password_works_before_the_second_factor(client, alice):
    password_step(client, "alice")
    response = client.get(reverse("accounts:confirm_password"))
    assert response.status_code == 200


def test_a_script_asking_for_a_change_without_a_recent_password_gets_json_not_a_page(
    alice_client,
):
    response = alice_client.post(
        reverse("mfa:passkey_registration_begin"), content_type="application/json", data={}
    )

    assert response.status_code == 403
    assert response.json()["detail"].startswith("Confirm your password again")
