"""The connected-apps page in account settings and the clinic's app registry in the console."""

from __future__ import annotations

import pytest
from django.test import Client

from lantern.fhir_api.bearer import caller_for_token
from lantern.fhir_api.forms import AppRegistrationForm
from lantern.fhir_api.models import AppAuthorization, RegisteredApp
from lantern.fhir_api.testing import connected_app_token
from lantern.testing.auth import sign_in
from lantern.testing.crawl import clinic_administrator_of


def _connect(user, patient, count: int) -> list[str]:
    return [
        connected_app_token(user, patient, "launch/patient patient/*.rs", app_name=f"App {n}")
        for n in range(count)
    ]


def test_the_settings_page_and_the_account_menu_lead_to_connected_apps(alice):
    page = sign_in(Client(), alice).get("/account/").content.decode()

    assert page.count('href="/account/apps/"') >= 2


def test_connected_apps_lists_each_app_with_what_it_may_see(alice):
    connected_app_token(
        alice, alice.patient, "patient/Observation.rs patient/Condition.rs", app_name="Diary"
    )

    page = sign_in(Client(), alice).get("/account/apps/").content.decode()

    assert "Diary" in page and "Test results" in page and "Health problems" in page
    assert "Has not read anything yet." in page


def test_connected_apps_says_when_an_app_last_read(alice):
    raw = connected_app_token(alice, alice.patient, "patient/*.rs", app_name="Diary")
    caller_for_token(raw)

    page = sign_in(Client(), alice).get("/account/apps/").content.decode()

    assert "Last read" in page


def test_connected_apps_shows_a_proxy_whose_record_each_app_sees(alice, bob):
    connected_app_token(bob, alice.patient, "patient/Observation.rs", app_name="Diary")

    page = sign_in(Client(), bob).get("/account/apps/").content.decode()

    assert f"Sees {alice.patient.display_name}" in page


@pytest.mark.parametrize("count", [1, 12])
def test_connected_apps_asks_the_same_queries_whatever_the_number(
    alice, count, django_assert_num_queries
):
    _connect(alice, alice.patient, count)
    client = sign_in(Client(), alice)
    client.get("/account/apps/")

    with django_assert_num_queries(QUERIES_CONNECTED_APPS):
        assert client.get("/account/apps/").status_code == 200


QUERIES_CONNECTED_APPS = 6


def test_disconnect_stops_the_token_at_once_and_a_second_click_is_harmless(alice):
    raw = connected_app_token(alice, alice.patient, "patient/*.rs", app_name="Diary")
    authorization = AppAuthorization.objects.get()
    client = sign_in(Client(), alice)
    url = f"/account/apps/{authorization.public_id}/disconnect/"

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert caller_for_token(raw) is None
    assert b"The app was disconnected" in first.content
    assert b"already disconnected" in second.content
    assert b"Diary" not in second.content.split(b"<main")[1].split(b"</main>")[0]


def test_nobody_can_disconnect_another_person_s_app(alice, charlie):
    raw = connected_app_token(alice, alice.patient, "patient/*.rs")
    authorization = AppAuthorization.objects.get()

    sign_in(Client(), charlie).post(f"/account/apps/{authorization.public_id}/disconnect/")

    assert caller_for_token(raw).patient == alice.patient


def test_the_app_registry_is_for_clinic_administrators_only(alice, nora, clinic):
    administrator = clinic_administrator_of(clinic)

    assert sign_in(Client(), nora).get("/staff/apps/").status_code == 404
    assert sign_in(Client(), alice).get("/staff/apps/").status_code == 404
    page = sign_in(Client(), administrator).get("/staff/apps/")
    assert page.status_code == 200
    assert b'href="/staff/apps/"' in page.content
    assert b'href="/staff/apps/"' not in sign_in(Client(), nora).get("/staff/").content


def test_an_administrator_registers_a_confidential_app_and_sees_its_secret_once(clinic):
    client = sign_in(Client(), clinic_administrator_of(clinic))

    answer = client.post(
        "/staff/apps/",
        {
            "name": "Clinic Companion",
            "description": "Keeps your results in one place.",
            "client_type": "confidential",
            "redirect_uris": "https://companion.example/callback",
            "allowed_scope": "launch/patient openid fhirUser patient/Observation.read",
        },
    )

    assert answer.status_code == 200
    registration = RegisteredApp.objects.select_related("application").get()
    assert registration.application.client_type == "confidential"
    assert registration.allowed_scope == "launch/patient openid fhirUser patient/Observation.rs"
    secret = answer.context["secret"]
    assert secret and secret.encode() in answer.content
    assert registration.application.client_secret != secret
    assert secret.encode() not in client.get("/staff/apps/").content


def test_registration_refuses_plain_http_redirects_and_unknown_scopes(clinic):
    client = sign_in(Client(), clinic_administrator_of(clinic))

    answer = client.post(
        "/staff/apps/",
        {
            "name": "Leaky",
            "client_type": "public",
            "redirect_uris": "http://leaky.example/callback",
            "allowed_scope": "system/*.rs",
        },
    )

    assert answer.status_code == 400
    assert not RegisteredApp.objects.exists()


def test_switching_an_app_off_stops_its_tokens_at_once_and_on_again_restores_them(alice, clinic):
    raw = connected_app_token(alice, alice.patient, "patient/*.rs", app_name="Diary")
    client_id = RegisteredApp.objects.get().application.client_id
    client = sign_in(Client(), clinic_administrator_of(clinic))

    client.post(f"/staff/apps/{client_id}/switch/", {"disable": "1"})
    assert caller_for_token(raw) is None
    client.post(f"/staff/apps/{client_id}/switch/", {"disable": "0"})
    assert caller_for_token(raw) is not None


@pytest.mark.parametrize("count", [1, 12])
def test_the_app_registry_asks_the_same_queries_whatever_the_number(
    alice, clinic, count, django_assert_num_queries
):
    _connect(alice, alice.patient, count)
    client = sign_in(Client(), clinic_administrator_of(clinic))
    client.get("/staff/apps/")

    with django_assert_num_queries(QUERIES_REGISTRY):
        assert client.get("/staff/apps/").status_code == 200


QUERIES_REGISTRY = 6


@pytest.mark.parametrize(
    ("uri", "accepted"),
    [
        ("http://127.0.0.1:8765/callback", True),
        ("http://localhost/callback", True),
        ("http://[::1]:9/callback", True),
        ("https://app.example.org/callback", True),
        ("http://localhost.leaky.example/callback", False),
        ("http://127.0.0.1.leaky.example/callback", False),
    ],
)
def test_plain_http_redirects_are_for_the_apps_own_device_only(uri, accepted):
    form = AppRegistrationForm(
        {
            "name": "Diary",
            "client_type": "public",
            "redirect_uris": uri,
            "allowed_scope": "launch/patient patient/*.rs",
        }
    )

    assert form.is_valid() is accepted, form.errors
