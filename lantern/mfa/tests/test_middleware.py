from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from lantern.testing.auth import sign_in, sign_in_password_only
from lantern.testing.factories_mfa import TOTPDeviceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("lantern.mfa.tests.urls")]

GUARDED_PAGES = ["/account/", "/staff/", "/admin/", "/admin/accounts/user/"]


@pytest.fixture
def record_url(alice):
    return f"/patients/{alice.patient.pk}/record/"


@pytest.mark.parametrize("path", GUARDED_PAGES)
def test_a_password_only_session_is_sent_to_the_second_factor_page(client, nora, path):
    TOTPDeviceFactory(user=nora)
    sign_in_password_only(client, nora)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url == f"{reverse('mfa:verify')}?next={quote(path, safe='')}"


def test_a_password_only_patient_is_sent_from_their_record_to_the_second_factor(
    client, alice, record_url
):
    TOTPDeviceFactory(user=alice)
    sign_in_password_only(client, alice)

    response = client.get(record_url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa:verify") + "?next=")


def test_an_account_without_a_second_factor_is_sent_to_set_one_up(client, alice, record_url):
    sign_in_password_only(client, alice)

    response = client.get(record_url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa:setup") + "?next=")


@pytest.mark.parametrize("path", ["/security-tips/", "/signout/", "/two-factor/verify/"])
def test_public_and_signing_in_pages_stay_open_before_the_second_factor(client, alice, path):
    TOTPDeviceFactory(user=alice)
    sign_in_password_only(client, alice)

    response = client.get(path)

    assert response.status_code == 200


def test_a_fully_signed_in_account_reaches_its_pages(client, alice, record_url):
    sign_in(client, alice)

    assert client.get("/account/").status_code == 200
    assert client.get(record_url).status_code == 200


def test_signed_out_visitors_are_left_to_the_access_rules(client):
    response = client.get("/account/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign_in"))


@pytest.fixture
def without_the_middleware(settings):
    settings.MIDDLEWARE = [
        entry
        for entry in settings.MIDDLEWARE
        if entry != "lantern.mfa.middleware.SecondFactorRequiredMiddleware"
    ]


@pytest.mark.parametrize("path", ["/account/", "/staff/"])
def test_the_access_rules_refuse_a_password_only_session_even_without_the_middleware(
    client, nora, without_the_middleware, path
):
    TOTPDeviceFactory(user=nora)
    sign_in_password_only(client, nora)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign_in"))


def test_the_patient_rule_refuses_a_password_only_session_without_the_middleware(
    client, alice, record_url, without_the_middleware
):
    TOTPDeviceFactory(user=alice)
    sign_in_password_only(client, alice)

    response = client.get(record_url)

    assert response.status_code == 302
    assert b"health record" not in response.content
