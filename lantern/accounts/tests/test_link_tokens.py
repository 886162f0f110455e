"""One-time tokens leave the address on first use (issue 9, item 14b): the password reset and
email confirmation links exchange their token for a session value and redirect to an address
without it; the token still works, once."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from lantern.accounts.services import email_verification_start
from lantern.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a lantern by the river at dusk"


def emailed_path(kind: str, to_address: str, pattern: str) -> str:
    body = Notification.objects.filter(kind=kind, to_address=to_address).latest("created_at").body
    link = re.search(pattern, body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def reset_path(user) -> tuple[str, str]:
    Client().post(reverse("accounts:forgot_password"), {"email_or_username": user.username})
    path = emailed_path(
        NotificationKind.PASSWORD_RESET, user.email, r"https?://\S+/account/reset/\S+/"
    )
    return path, path.rstrip("/").rsplit("/", 1)[-1]


def test_the_reset_link_lands_on_an_address_without_its_token_and_works_once(client, verified):
    path, token = reset_path(verified)

    opened = client.get(path)
    assert opened.status_code == 302
    assert token not in opened.url
    assert opened.url.endswith("/set-password/")
    page = client.get(opened.url)
    assert page.status_code == 200
    assert token not in page.content.decode()
    done = client.post(opened.url, {"new_password": NEW_PASSWORD})

    assert done.status_code == 200
    verified.refresh_from_db()
    assert verified.check_password(NEW_PASSWORD)
    # Used: neither the emailed link nor the stand-in address works again.
    assert client.get(path).status_code == 400
    assert client.get(opened.url).status_code == 400


def test_the_stand_in_reset_address_does_nothing_without_the_token_in_the_session(verified):
    path, _ = reset_path(verified)
    stand_in = path.rsplit("/", 2)[0] + "/set-password/"

    assert Client().get(stand_in).status_code == 400
    assert Client().post(stand_in, {"new_password": NEW_PASSWORD}).status_code == 400


def test_the_email_confirmation_link_lands_on_an_address_without_its_token(client, alice):
    email_verification_start(user=alice)
    path = emailed_path(
        NotificationKind.EMAIL_VERIFICATION, alice.email, r"https?://\S+/account/verify-email/\S+/"
    )
    token = path.rstrip("/").rsplit("/", 1)[-1]

    opened = client.get(path)
    assert opened.status_code == 302
    assert token not in opened.url
    page = client.get(opened.url)
    assert "Confirm my email address" in page.content.decode()
    done = client.post(opened.url)

    assert b"Your email address is confirmed" in done.content
    alice.refresh_from_db()
    assert alice.email_verified_at is not None
    assert client.post(opened.url).status_code == 400
