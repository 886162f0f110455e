"""A standalone patient launch, step by step, through the real endpoints (Django's client)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.test import Client
from jwcrypto import jwk, jwt

from lantern.audit.models import AuditEvent
from lantern.fhir_api.bearer import caller_for_token
from lantern.fhir_api.models import AppAuthorization
from lantern.fhir_api.tests.launch import Launch, register_app


def _claims(id_token: str) -> dict:
    keys = jwk.JWKSet.from_json(Client().get("/oauth/.well-known/jwks.json").content)
    return json.loads(jwt.JWT(jwt=id_token, key=keys).claims)


def test_a_patient_launch_returns_a_token_with_patient_id_token_and_refresh(alice):
    application, _ = register_app()
    launch = Launch(application, alice)

    tokens = launch.tokens()

    assert tokens["patient"] == str(alice.patient.pk)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] <= 3600
    assert set(tokens["scope"].split()) == set(launch.scope.split())
    assert tokens["refresh_token"]
    claims = _claims(tokens["id_token"])
    assert claims["fhirUser"] == f"{settings.FHIR_BASE_URL}/Patient/{alice.patient.pk}"
    assert claims["aud"] == application.client_id
    assert claims["sub"] and claims["sub"] != str(alice.pk)
    caller = caller_for_token(tokens["access_token"])
    assert caller.patient == alice.patient and caller.user == alice


def test_the_consent_is_audited_for_the_patient(alice):
    application, _ = register_app()

    Launch(application, alice).tokens()

    authorization = AppAuthorization.objects.get()
    assert AuditEvent.objects.filter(
        patient=alice.patient,
        object_type="AppAuthorization",
        object_id=str(authorization.public_id),
    ).exists()


def test_state_comes_back_unchanged_and_a_denial_says_access_denied(alice):
    application, _ = register_app()
    launch = Launch(application, alice)

    answer = launch.consent(deny=True)

    query = parse_qs(urlsplit(answer["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == [launch.state]
    assert not AppAuthorization.objects.exists()


def test_without_offline_access_no_refresh_token_is_issued(alice):
    application, _ = register_app()
    launch = Launch(application, alice, scope="launch/patient patient/Observation.rs")

    tokens = launch.tokens()

    assert "refresh_token" not in tokens
    assert tokens["patient"] == str(alice.patient.pk)


def test_plain_pkce_is_refused(alice):
    application, _ = register_app()
    launch = Launch(application, alice)

    answer = launch.client.get(
        launch.authorize_query(code_challenge=launch.verifier, code_challenge_method="plain")
    )

    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer["Location"]).query)
    assert query["error"] == ["invalid_request"] and query["state"] == [launch.state]


def test_a_launch_without_pkce_is_refused(alice):
    application, _ = register_app()
    launch = Launch(application, alice)

    answer = launch.client.get(
        launch.authorize_query(code_challenge=None, code_challenge_method=None)
    )

    assert parse_qs(urlsplit(answer["Location"]).query)["error"] == ["invalid_request"]


def test_a_wrong_aud_is_refused(alice):
    application, _ = register_app()
    launch = Launch(application, alice)

    answer = launch.client.get(launch.authorize_query(aud="https://elsewhere.example/fhir"))

    assert parse_qs(urlsplit(answer["Location"]).query)["error"] == ["invalid_request"]
    assert not AppAuthorization.objects.exists()


def test_a_redirect_uri_that_does_not_match_exactly_gets_a_page_not_a_redirect(alice):
    application, _ = register_app()
    launch = Launch(application, alice)

    answer = launch.client.get(
        launch.authorize_query(redirect_uri="http://127.0.0.1:8765/callback/other")
    )

    assert answer.status_code == 400
    assert b"could not be accepted" in answer.content


def test_a_bad_code_verifier_is_refused_with_400(alice):
    application, _ = register_app()
    launch = Launch(application, alice)

    answer = launch.token(launch.code(), verifier="x" * 50)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_a_code_is_good_once(alice):
    application, _ = register_app()
    launch = Launch(application, alice)
    code = launch.code()

    assert launch.token(code).status_code == 200
    assert launch.token(code).status_code == 400


def test_signing_in_is_asked_first(alice):
    application, _ = register_app()
    launch = Launch(application, alice)

    answer = Client().get(launch.authorize_query())

    assert answer.status_code == 302 and "/signin/" in answer["Location"]


def test_a_confidential_app_needs_its_secret(alice):
    application, secret = register_app(confidential=True)
    launch = Launch(application, alice)

    assert launch.token(launch.code()).status_code == 401
    assert launch.token(launch.code(), secret=secret).status_code == 200
