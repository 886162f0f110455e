"""A SMART client that is not ours against the production server: authlib's OAuth 2 client
with PKCE (S256) completes a standalone patient launch against gunicorn on 127.0.0.1 — the
person signs in and answers the consent screen over HTTP — and fhirpy reads the patient's test
results with the token. The same server refuses what SMART says it must refuse."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.test import Client
from django.utils import timezone
from fhirpy import SyncFHIRClient

from lantern.fhir_api.tests.launch import REDIRECT_URI, register_app
from lantern.fhir_api.tests.live_server import LiveServer, collect_static
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

SCOPE = "launch/patient openid fhirUser offline_access patient/Observation.rs"


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    return collect_static(tmp_path_factory.mktemp("live-static"))


@pytest.fixture
def live(tmp_path, static_root):
    server = LiveServer(tmp_path, static_root)
    yield server
    server.stop()


def _browser(user) -> requests.Session:
    """An HTTP session signed in as `user` (password and second step, as lantern.testing.auth
    signs test clients in)."""
    cookie = sign_in(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    browser = requests.Session()
    browser.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
    return browser


def _consent(browser: requests.Session, authorize_url: str, kinds: list[str]) -> str:
    """Open the consent screen, allow, and return where the server sends the person next."""
    page = browser.get(authorize_url, allow_redirects=False)
    assert page.status_code == 200, page.text[:300]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    person = re.search(r'name="person" value="([^"]+)"', page.text)[1]
    answer = browser.post(
        authorize_url,
        data={"csrfmiddlewaretoken": csrf, "person": person, "kinds": kinds, "allow": "1"},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"]


def test_authlib_completes_a_standalone_launch_and_fhirpy_reads_the_observations(alice, live):
    now = timezone.now()
    mine = [
        ObservationFactory(patient=alice.patient, effective_at=now - dt.timedelta(days=days))
        for days in (1, 2, 3)
    ]
    application, _ = register_app(name="Health Diary")
    browser = _browser(alice)
    base = live.start()

    config = requests.get(f"{base}/fhir/r4/.well-known/smart-configuration", timeout=10).json()
    assert config["code_challenge_methods_supported"] == ["S256"]
    fhir_base = f"{base}/fhir/r4"
    oauth = OAuth2Session(
        application.client_id,
        redirect_uri=REDIRECT_URI,
        scope=SCOPE,
        code_challenge_method="S256",
    )
    verifier = generate_token(48)
    authorize_url, state = oauth.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier, aud=fhir_base
    )

    callback = _consent(browser, authorize_url, ["results"])
    token = oauth.fetch_token(
        config["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )

    assert parse_qs(urlsplit(callback).query)["state"] == [state]
    assert token["patient"] == str(alice.patient.pk)
    assert token["id_token"] and token["refresh_token"]
    fhir = SyncFHIRClient(fhir_base, authorization=f"Bearer {token['access_token']}")
    observations = fhir.resources("Observation").search(patient=token["patient"]).fetch_all()
    assert sorted(o["id"] for o in observations) == sorted(str(o.pk) for o in mine)

    # The token lets the app read nothing it was not granted.
    refused = requests.get(
        f"{fhir_base}/Condition?patient={token['patient']}",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert refused.status_code == 403

    # A refresh (authlib's own) keeps the patient; the spent refresh token cannot be replayed.
    renewed = oauth.refresh_token(config["token_endpoint"], refresh_token=token["refresh_token"])
    assert renewed["patient"] == token["patient"]
    replay = requests.post(
        config["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": application.client_id,
        },
        timeout=10,
    )
    assert replay.status_code == 400
    after_replay = requests.get(
        f"{fhir_base}/Observation?patient={token['patient']}",
        headers={"Authorization": f"Bearer {renewed['access_token']}"},
        timeout=10,
    )
    assert after_replay.status_code == 401

    # The replay ended the whole family: the newest refresh token is refused too.
    with pytest.raises(OAuthError, match="invalid_grant"):
        oauth.refresh_token(config["token_endpoint"], refresh_token=renewed["refresh_token"])


def test_the_live_server_refuses_plain_pkce_a_wrong_aud_and_a_bad_verifier(alice, live):
    application, _ = register_app(name="Health Diary")
    browser = _browser(alice)
    base = live.start()
    fhir_base = f"{base}/fhir/r4"
    config = requests.get(f"{base}/.well-known/smart-configuration", timeout=10).json()
    oauth = OAuth2Session(application.client_id, redirect_uri=REDIRECT_URI, scope=SCOPE)

    plain, _ = oauth.create_authorization_url(
        config["authorization_endpoint"],
        code_challenge="a" * 43,
        code_challenge_method="plain",
        aud=fhir_base,
    )
    answer = browser.get(plain, allow_redirects=False)
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["invalid_request"]

    s256 = OAuth2Session(
        application.client_id, redirect_uri=REDIRECT_URI, scope=SCOPE, code_challenge_method="S256"
    )
    verifier = generate_token(48)
    wrong_aud, _ = s256.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier, aud="https://elsewhere.example"
    )
    answer = browser.get(wrong_aud, allow_redirects=False)
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["invalid_request"]

    good, _ = s256.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier, aud=fhir_base
    )
    callback = _consent(browser, good, ["results"])
    code = parse_qs(urlsplit(callback).query)["code"][0]
    bad = requests.post(
        config["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": application.client_id,
            "code_verifier": generate_token(48),
        },
        timeout=10,
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
