"""A `next` that is not a local path is ignored everywhere, never a 500 (issue 9, item 14a)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from lantern.core.redirects import is_local_path, safe_next_url
from lantern.testing.auth import _accept_current_terms, sign_in, sign_in_password_only
from lantern.testing.factories_mfa import TOTPDeviceFactory, current_totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
BAD_NEXT = [
    "foo",
    "https:evil",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/results/\nSet-Cookie:x",
]
HOME = reverse("home:home")


@pytest.mark.parametrize("value", BAD_NEXT)
def test_a_next_that_is_not_a_local_path_falls_back_to_the_default(value):
    request = RequestFactory().get("/", {"next": value})

    assert not is_local_path(value)
    assert safe_next_url(request, "/home/") == "/home/"


@pytest.mark.parametrize("value", ["/", "/results/?page=2", "/account/#sessions"])
def test_a_local_path_is_followed(value):
    request = RequestFactory().post("/", {"next": value})

    assert safe_next_url(request, "/home/") == value


@pytest.mark.parametrize("value", BAD_NEXT)
def test_the_sign_in_page_of_a_signed_in_account_ignores_a_bad_next(client, alice, value):
    sign_in(client, alice)

    response = client.get(reverse("accounts:sign_in"), {"next": value})

    assert response.status_code == 302
    assert response.url == HOME


@pytest.mark.parametrize("value", BAD_NEXT)
def test_stay_signed_in_ignores_a_bad_next(client, alice, value):
    sign_in(client, alice)

    response = client.post(reverse("accounts:keep_alive"), {"next": value})

    assert response.status_code == 302
    assert response.url == HOME


@pytest.mark.parametrize("value", BAD_NEXT)
def test_confirming_the_password_ignores_a_bad_next(client, alice, value):
    sign_in(client, alice)

    response = client.post(
        reverse("accounts:confirm_password"), {"password": PASSWORD, "next": value}
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:settings")


@pytest.mark.parametrize("value", BAD_NEXT)
def test_the_backup_codes_page_ignores_a_bad_next(client, alice, value):
    sign_in(client, alice)

    response = client.get(reverse("mfa:backup_codes"), {"next": value})

    assert response.status_code == 302
    assert response.url == HOME


@pytest.mark.parametrize("value", BAD_NEXT)
def test_the_terms_page_ignores_a_bad_next(client, alice, value):
    sign_in(client, alice)

    response = client.get(reverse("enrollment:terms"), {"next": value})

    assert response.status_code == 200
    assert response.context["next"] == HOME


@time_machine.travel(START, tick=False)
@pytest.mark.parametrize("value", BAD_NEXT)
def test_an_app_code_with_a_bad_next_signs_in_and_is_not_wasted(client, alice, value):
    _accept_current_terms(alice)
    device = TOTPDeviceFactory(user=alice)
    sign_in_password_only(client, alice)

    response = client.post(
        reverse("mfa:verify"), {"code": current_totp_code(device), "next": value}
    )

    assert response.status_code == 302
    assert response.url == HOME
    assert client.get(reverse("mfa:manage")).status_code == 200


@pytest.mark.parametrize("value", BAD_NEXT)
def test_the_verify_page_of_a_verified_session_ignores_a_bad_next(client, alice, value):
    sign_in(client, alice)

    response = client.get(reverse("mfa:verify"), {"next": value})

    assert response.status_code == 302
    assert response.url == HOME
