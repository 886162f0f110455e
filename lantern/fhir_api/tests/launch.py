"""A standalone SMART launch driven through Django's test client: register an app, open the
consent screen signed in, answer it, and trade the code for tokens."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.test import Client

from lantern.fhir_api.services import registered_app_create
from lantern.testing.auth import sign_in

REDIRECT_URI = "http://127.0.0.1:8765/callback"
FULL_SCOPE = "launch/patient openid fhirUser offline_access patient/*.rs"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def register_app(
    *,
    name: str = "Health Diary",
    confidential: bool = False,
    allowed_scope: str = "launch/patient openid fhirUser offline_access online_access patient/*.rs",
    redirect_uris: str = REDIRECT_URI,
):
    registration, secret = registered_app_create(
        staff_user=None,
        name=name,
        confidential=confidential,
        redirect_uris=redirect_uris,
        allowed_scope=allowed_scope,
    )
    return registration.application, secret


@dataclass
class Launch:
    application: object
    user: object
    scope: str = FULL_SCOPE
    state: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    verifier: str = ""
    challenge: str = ""
    client: Client = field(default_factory=Client)

    def __post_init__(self) -> None:
        self.verifier, self.challenge = pkce_pair()
        sign_in(self.client, self.user)

    def authorize_query(self, **overrides: str) -> str:
        params = {
            "response_type": "code",
            "client_id": self.application.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": self.scope,
            "state": self.state,
            "aud": settings.FHIR_BASE_URL,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return "/oauth/authorize/?" + urlencode({k: v for k, v in params.items() if v is not None})

    def consent(self, *, person=None, kinds=None, deny: bool = False, **overrides):
        """Open the consent screen and answer it; the response (a redirect to the app)."""
        url = self.authorize_query(**overrides)
        page = self.client.get(url)
        assert page.status_code == 200, page.content[:500]
        form = page.context["form"]
        data: dict = {}
        if deny:
            data["deny"] = "1"
        else:
            data["allow"] = "1"
            data["person"] = str(person.pk if person else form.people[0].patient.pk)
            data["kinds"] = kinds if kinds is not None else [k.key for k in form.asked_kinds]
        return self.client.post(url, data)

    def code(self, **kwargs) -> str:
        answer = self.consent(**kwargs)
        assert answer.status_code == 302, answer.content[:500]
        query = parse_qs(urlsplit(answer["Location"]).query)
        assert query["state"] == [self.state]
        return query["code"][0]

    def token(self, code: str, *, verifier: str | None = None, secret: str = ""):
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": self.application.client_id,
            "code_verifier": self.verifier if verifier is None else verifier,
        }
        if secret:
            data["client_secret"] = secret
        return Client().post("/oauth/token/", data)

    def tokens(self, **consent) -> dict:
        answer = self.token(self.code(**consent))
        assert answer.status_code == 200, answer.content
        return answer.json()


def refresh(application, refresh_token: str, scope: str | None = None):
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": application.client_id,
    }
    if scope is not None:
        data["scope"] = scope
    return Client().post("/oauth/token/", data)
