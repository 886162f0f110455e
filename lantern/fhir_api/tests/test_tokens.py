"""Refresh, revocation, introspection and switching an app off, through the real endpoints."""

from __future__ import annotations

import base64
import datetime as dt

import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from lantern.fhir_api.bearer import caller_for_token
from lantern.fhir_api.models import RegisteredApp
from lantern.fhir_api.oauth import subject_id
from lantern.fhir_api.tests.launch import Launch, refresh, register_app


def test_a_refresh_keeps_the_patient_and_rotates_the_refresh_token(alice):
    application, _ = register_app()
    tokens = Launch(application, alice).tokens()

    answer = refresh(application, tokens["refresh_token"])

    assert answer.status_code == 200
    renewed = answer.json()
    assert renewed["patient"] == str(alice.patient.pk)
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert renewed["scope"] == tokens["scope"]
    assert caller_for_token(renewed["access_token"]).patient == alice.patient
    assert caller_for_token(tokens["access_token"]) is None


def test_a_refresh_may_ask_for_fewer_scopes_but_never_more(alice):
    application, _ = register_app()
    launch = Launch(
        application, alice, scope="launch/patient offline_access patient/Observation.rs"
    )
    tokens = launch.tokens()

    wider = refresh(
        application,
        tokens["refresh_token"],
        "offline_access patient/Observation.rs patient/Condition.rs",
    )
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"

    narrower = refresh(application, tokens["refresh_token"], "patient/Observation.rs")
    assert narrower.status_code == 200
    assert narrower.json()["scope"] == "patient/Observation.rs"
    assert narrower.json()["patient"] == str(alice.patient.pk)


def test_a_reused_refresh_token_revokes_the_whole_family(alice):
    application, _ = register_app()
    tokens = Launch(application, alice).tokens()
    renewed = refresh(application, tokens["refresh_token"]).json()

    replay = refresh(application, tokens["refresh_token"])

    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert caller_for_token(renewed["access_token"]) is None
    assert refresh(application, renewed["refresh_token"]).status_code == 400


def test_an_access_token_expires_within_the_hour(alice):
    application, _ = register_app()
    tokens = Launch(application, alice).tokens()

    assert tokens["expires_in"] <= 3600
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=3601)):
        assert caller_for_token(tokens["access_token"]) is None


def test_revoking_the_refresh_token_ends_its_access_token(alice):
    application, _ = register_app()
    tokens = Launch(application, alice).tokens()

    answer = Client().post(
        "/oauth/revoke_token/",
        {
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": application.client_id,
        },
    )

    assert answer.status_code == 200
    assert caller_for_token(tokens["access_token"]) is None
    assert refresh(application, tokens["refresh_token"]).status_code == 400


def test_revoking_an_access_token_ends_it(alice):
    application, _ = register_app()
    tokens = Launch(application, alice).tokens()

    Client().post(
        "/oauth/revoke_token/",
        {"token": tokens["access_token"], "client_id": application.client_id},
    )

    assert caller_for_token(tokens["access_token"]) is None


def _introspect(application, secret: str, token: str) -> dict:
    credentials = base64.b64encode(f"{application.client_id}:{secret}".encode()).decode()
    answer = Client().post(
        "/oauth/introspect/", {"token": token}, HTTP_AUTHORIZATION=f"Basic {credentials}"
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_introspection_gives_the_smart_fields(alice):
    application, secret = register_app(confidential=True)
    launch = Launch(application, alice)
    tokens = launch.token(launch.code(), secret=secret).json()

    data = _introspect(application, secret, tokens["access_token"])

    assert data["active"] is True
    assert data["client_id"] == application.client_id
    assert data["patient"] == str(alice.patient.pk)
    assert set(data["scope"].split()) == set(launch.scope.split())
    assert abs(data["exp"] - (timezone.now().timestamp() + tokens["expires_in"])) < 60
    assert data["iss"] == settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"]
    assert data["sub"] == subject_id(alice)
    assert data["fhirUser"].endswith(f"/Patient/{alice.patient.pk}")


def test_introspection_says_inactive_for_a_revoked_or_unknown_token(alice):
    application, secret = register_app(confidential=True)
    launch = Launch(application, alice)
    tokens = launch.token(launch.code(), secret=secret).json()
    Client().post(
        "/oauth/revoke_token/",
        {
            "token": tokens["access_token"],
            "client_id": application.client_id,
            "client_secret": secret,
        },
    )

    assert _introspect(application, secret, tokens["access_token"]) == {"active": False}
    assert _introspect(application, secret, "no-such-token") == {"active": False}


def test_introspection_needs_client_credentials(alice):
    application, _ = register_app()
    tokens = Launch(application, alice).tokens()

    answer = Client().post("/oauth/introspect/", {"token": tokens["access_token"]})

    assert answer.status_code in (401, 403)


def test_another_client_learns_nothing_of_a_token_it_does_not_hold(alice):
    application, _ = register_app()
    tokens = Launch(application, alice).tokens()
    other, secret = register_app(name="Other app", confidential=True)

    assert _introspect(other, secret, tokens["access_token"]) == {"active": False}


def test_a_disabled_app_can_neither_use_nor_refresh_nor_start_a_launch(alice):
    application, _ = register_app()
    launch = Launch(application, alice)
    tokens = launch.tokens()

    RegisteredApp.objects.update(disabled_at=timezone.now())

    assert caller_for_token(tokens["access_token"]) is None
    assert refresh(application, tokens["refresh_token"]).status_code == 401
    answer = launch.client.get(launch.authorize_query())
    assert answer.status_code == 400
