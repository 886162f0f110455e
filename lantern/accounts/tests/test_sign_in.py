from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.models import SignInEvent, UserSession
from lantern.accounts.selectors import previous_sign_in
from lantern.core.tests.test_layouts import Page
from lantern.notifications.models import Notification, NotificationKind

from .conftest import FIREFOX, IPHONE, PASSWORD, password_step, sign_in, without_csrf_token

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_has_labelled_fields_autocomplete_and_the_help_links(client):
    response = client.get(reverse("accounts:sign_in"))
    page = Page(response.content.decode())
    assert len(page.find("h1")) == 1
    assert page.find("label", **{"for": "id_username"})
    assert page.find("input", id="id_username", autocomplete="username")
    assert page.find("input", id="id_password", autocomplete="current-password", type="password")
    assert not page.find("input", onpaste="return false")
    for href in ["/account/forgot-username/", "/account/forgot-password/", "/security-tips/"]:
        assert page.find("a", href=href)


def test_a_correct_password_goes_to_the_second_factor_with_the_safe_next_address(client, alice):
    response = client.post(
        reverse("accounts:sign_in"),
        {"username": "alice", "password": PASSWORD, "next": "/results/"},
    )
    assert response.status_code == 302
    assert response.url == f"{reverse('mfa:verify')}?next=%2Fresults%2F"


def test_a_next_address_on_another_site_is_dropped(client, alice):
    response = client.post(
        reverse("accounts:sign_in"),
        {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == reverse("mfa:verify")


def test_the_password_alone_does_not_open_the_account_page(client, alice):
    password_step(client, "alice")
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response.url.startswith("/two-factor/")
    assert b"Your account" not in response.content


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(client, alice):
    wrong = password_step(client, "alice", "not the password at all")
    unknown = password_step(client, "nobody-here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    assert "The username or password is not right" in wrong.content.decode()
    normalized = [
        without_csrf_token(response.content.decode()).replace(name, "NAME")
        for response, name in [(wrong, "alice"), (unknown, "nobody-here")]
    ]
    assert normalized[0] == normalized[1]


@pytest.mark.production_password_hashers
def test_an_unknown_username_still_costs_a_password_hash(client, alice, monkeypatch):
    calls = []
    real_encode, real_verify = Argon2PasswordHasher.encode, Argon2PasswordHasher.verify

    def encode(self, password, salt):
        calls.append("hash")
        return real_encode(self, password, salt)

    def verify(self, password, encoded):
        calls.append("hash")
        return real_verify(self, password, encoded)

    monkeypatch.setattr(Argon2PasswordHasher, "encode", encode)
    monkeypatch.setattr(Argon2PasswordHasher, "verify", verify)
    password_step(client, "alice", "not the password at all")
    for_real_user = len(calls)
    calls.clear()
    password_step(client, "nobody-here", "not the password at all")
    assert for_real_user == 1
    assert len(calls) == 1


def lock(username: str, address: str) -> list:
    client = Client(REMOTE_ADDR=address)
    return [password_step(client, username, "wrong password number x") for _ in range(5)]


def test_five_wrong_passwords_lock_the_account_and_say_when_to_try_again(alice):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        responses = lock("alice", "198.51.100.7")
        assert [response.status_code for response in responses] == [200] * 4 + [429]
        page = Page(responses[-1].content.decode())
        assert "Please wait 15 minutes, then try again." in page.text
        # Even the right password is refused while locked, from another address too.
        locked = password_step(Client(REMOTE_ADDR="198.51.100.8"), "alice")
        assert locked.status_code == 429
        traveller.shift(dt.timedelta(minutes=10))
        later = password_step(Client(REMOTE_ADDR="198.51.100.8"), "alice")
        assert "Please wait 5 minutes" in later.content.decode()
        traveller.shift(dt.timedelta(minutes=6))
        assert password_step(Client(REMOTE_ADDR="198.51.100.9"), "alice").status_code == 302


def test_a_locked_unknown_username_looks_the_same_as_a_locked_real_one(alice):
    with time_machine.travel(timezone.now(), tick=False):
        real = lock("alice", "198.51.100.10")[-1]
        unknown = lock("nobody-here", "198.51.100.11")[-1]
    assert real.status_code == unknown.status_code == 429
    assert without_csrf_token(real.content) == without_csrf_token(unknown.content)
    assert b"nobody-here" not in unknown.content


def test_a_successful_sign_in_clears_the_count_of_failures(alice):
    client = Client(REMOTE_ADDR="198.51.100.30")
    for _ in range(4):
        password_step(client, "alice", "wrong")
    assert password_step(client, "alice").status_code == 302
    client = Client(REMOTE_ADDR="198.51.100.30")
    for _ in range(4):
        assert password_step(client, "alice", "wrong").status_code == 200


def test_a_sign_in_records_the_device_the_place_and_the_session(verified):
    client = Client(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="81.2.69.142")
    sign_in(client, verified)
    event = SignInEvent.objects.get(user=verified)
    assert event.device_label == "Mobile Safari on iOS (iPhone)"
    assert event.place == "Internet address 81.2.69.x"
    session = UserSession.objects.get(user=verified)
    assert session.ended_at is None
    assert session.session_key_hash != client.session.session_key
    assert len(session.session_key_hash) == 64


def test_previous_sign_in_is_the_one_before_this_one(verified):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        sign_in(Client(HTTP_USER_AGENT=IPHONE), verified)
    assert previous_sign_in(user=verified) is None
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    previous = previous_sign_in(user=verified)
    assert previous.at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert previous.device == "Mobile Safari on iOS (iPhone)"
    assert previous.place == "On a private network"


def new_device_notices(user):
    return Notification.objects.filter(
        kind=NotificationKind.NEW_DEVICE_SIGN_IN, to_address=user.email
    )


def test_a_new_device_is_announced_by_email_once(verified):
    laptop = Client(HTTP_USER_AGENT=FIREFOX)
    sign_in(laptop, verified)
    # The first device of an account is not news.
    assert new_device_notices(verified).count() == 0
    phone = Client(HTTP_USER_AGENT=IPHONE)
    sign_in(phone, verified)
    assert new_device_notices(verified).count() == 1
    notice = new_device_notices(verified).get()
    assert "Mobile Safari on iOS" in notice.body
    sign_in(phone, verified)
    sign_in(laptop, verified)
    assert new_device_notices(verified).count() == 1


def test_the_device_cookie_is_signed_and_http_only(client, alice):
    response = password_step(client, "alice")
    cookie = response.cookies["lantern_device"]
    assert cookie["httponly"]
    assert cookie["max-age"] > 365 * 24 * 60 * 60
    # A forged cookie counts as a new device, not as a known one.
    client.cookies["lantern_device"] = "forged"
    password_step(client, "alice")
    assert SignInEvent.objects.filter(user=alice, new_device=True).count() == 1


def test_the_sign_in_form_needs_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    assert password_step(client, "alice").status_code == 403


def test_a_fully_signed_in_account_is_sent_on_from_the_sign_in_page(alice_client):
    response = alice_client.get(reverse("accounts:sign_in"))
    assert response.status_code == 302
