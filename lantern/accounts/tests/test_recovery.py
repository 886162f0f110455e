from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.tests.conftest import FIREFOX, password_step, sign_in, without_csrf_token
from lantern.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a lantern by the river at dusk"


def sent(kind, to_address=None):
    rows = Notification.objects.filter(kind=kind)
    return rows.filter(to_address=to_address) if to_address else rows


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_forgot_username_emails_it_to_the_confirmed_address(client, verified):
    response = client.post(reverse("accounts:forgot_username"), {"email": "ALICE@example.org"})
    assert response.status_code == 200
    reminder = sent(NotificationKind.USERNAME_REMINDER, "alice@example.org").get()
    assert "alice" in reminder.body


def test_forgot_username_answers_the_same_for_unknown_and_unconfirmed_addresses(
    client, verified, charlie
):
    known = client.post(reverse("accounts:forgot_username"), {"email": "alice@example.org"})
    unknown = client.post(reverse("accounts:forgot_username"), {"email": "who@example.org"})
    # Charlie's address is not confirmed: nothing is sent to it.
    unconfirmed = client.post(reverse("accounts:forgot_username"), {"email": charlie.email})
    pages = {without_csrf_token(r.content) for r in (known, unknown, unconfirmed)}
    assert len(pages) == 1
    assert {known.status_code, unknown.status_code, unconfirmed.status_code} == {200}
    assert sent(NotificationKind.USERNAME_REMINDER).count() == 1


def test_a_double_clicked_forgot_username_form_sends_one_email(client, verified):
    data = {"email": "alice@example.org", "request_key": "same-form-render"}
    client.post(reverse("accounts:forgot_username"), data)
    client.post(reverse("accounts:forgot_username"), data)
    assert sent(NotificationKind.USERNAME_REMINDER).count() == 1


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(client, verified):
    by_name = client.post(reverse("accounts:forgot_password"), {"email_or_username": "alice"})
    unknown = client.post(reverse("accounts:forgot_password"), {"email_or_username": "nobody"})
    by_email = client.post(
        reverse("accounts:forgot_password"), {"email_or_username": "alice@example.org"}
    )
    pages = {without_csrf_token(r.content) for r in (by_name, unknown, by_email)}
    assert len(pages) == 1
    assert sent(NotificationKind.PASSWORD_RESET, "alice@example.org").count() == 2


def test_no_reset_link_goes_to_an_unconfirmed_address(client, alice):
    client.post(reverse("accounts:forgot_password"), {"email_or_username": "alice"})
    assert sent(NotificationKind.PASSWORD_RESET).count() == 0


def request_reset(user) -> str:
    Client().post(reverse("accounts:forgot_password"), {"email_or_username": user.username})
    body = sent(NotificationKind.PASSWORD_RESET, user.email).latest("created_at").body
    return path_of(re.search(r"https?://\S+/account/reset/\S+/", body).group(0))


def test_a_reset_link_sets_a_new_password_once(client, verified):
    link = request_reset(verified)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert b'autocomplete="new-password"' in page.content
    link = page.request["PATH_INFO"]
    done = client.post(link, {"new_password": NEW_PASSWORD})
    assert done.status_code == 200
    assert b"Your password was changed" in done.content
    verified.refresh_from_db()
    assert verified.check_password(NEW_PASSWORD)
    assert sent(NotificationKind.PASSWORD_CHANGED, verified.email).count() == 1
    # Used once, the link is dead: a second submit (a double click) changes nothing.
    again = client.post(link, {"new_password": "another long password here"})
    assert again.status_code == 400
    assert b"This link does not work any more" in again.content
    verified.refresh_from_db()
    assert verified.check_password(NEW_PASSWORD)


def test_a_reset_link_expires_after_an_hour(client, verified):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        link = request_reset(verified)
    with time_machine.travel(start + dt.timedelta(minutes=59), tick=False):
        assert client.get(link, follow=True).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        assert client.get(link).status_code == 400
        client.post(link, {"new_password": NEW_PASSWORD})
    verified.refresh_from_db()
    assert not verified.check_password(NEW_PASSWORD)


def test_a_reset_rejects_a_weak_password_and_says_why(client, verified):
    link = request_reset(verified)
    response = client.post(link, {"new_password": "password"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b'aria-describedby="id_new_password-hint id_new_password-error"' in response.content


def test_a_password_reset_ends_every_session_and_still_asks_for_the_second_factor(verified):
    laptop = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    phone = sign_in(Client(), verified)
    link = request_reset(verified)
    Client().post(link, {"new_password": NEW_PASSWORD})
    for client in (laptop, phone):
        response = client.get(reverse("accounts:settings"))
        assert response.status_code == 302
        assert "/settings" not in response.url
    fresh = Client()
    response = password_step(fresh, "alice", NEW_PASSWORD)
    assert response.url.startswith(reverse("mfa:verify"))


def test_a_tampered_reset_link_does_not_work(client, verified):
    link = request_reset(verified)
    assert client.get(link[:-3] + "xx/").status_code == 400
    assert client.get("/account/reset/bm90LWFuLWlk/abc-def/").status_code == 400


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("accounts:forgot_username", {"email": "alice@example.org"}),
        ("accounts:forgot_password", {"email_or_username": "alice"}),
    ],
)
def test_recovery_forms_need_the_csrf_token(verified, name, data):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse(name), data).status_code == 403
    assert not Notification.objects.exists()


def test_the_reset_form_needs_the_csrf_token(verified):
    link = request_reset(verified)
    client = Client(enforce_csrf_checks=True)
    assert client.post(link, {"new_password": NEW_PASSWORD}).status_code == 403
    verified.refresh_from_db()
    assert not verified.check_password(NEW_PASSWORD)


def test_recovery_emails_are_limited_per_address_without_saying_anything_about_accounts(
    client, settings
):
    settings.RECOVERY_REQUESTS_PER_HOUR = 2
    for attempt in range(3):
        response = client.post(
            reverse("accounts:forgot_password"),
            {
                "email_or_username": f"someone{attempt}@example.org",
                "request_key": f"k{attempt}" * 8,
            },
        )
    assert "Wait an hour, then try again." in response.content.decode()
    assert response.status_code == 200
