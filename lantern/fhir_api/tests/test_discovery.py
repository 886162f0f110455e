"""SMART's discovery document, at the root and under the FHIR base."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

REQUIRED = {
    "issuer",
    "jwks_uri",
    "authorization_endpoint",
    "token_endpoint",
    "grant_types_supported",
    "capabilities",
    "code_challenge_methods_supported",
}
RECOMMENDED = {
    "scopes_supported",
    "response_types_supported",
    "management_endpoint",
    "introspection_endpoint",
    "revocation_endpoint",
}


@pytest.mark.parametrize(
    "path", ["/.well-known/smart-configuration", "/fhir/r4/.well-known/smart-configuration"]
)
def test_the_smart_configuration_is_json_whatever_the_client_accepts(db, path):
    answer = Client().get(path, HTTP_ACCEPT="text/html")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    document = answer.json()
    assert set(document) >= REQUIRED | RECOMMENDED
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_types_supported"] == ["code"]
    assert "authorization_code" in document["grant_types_supported"]
    assert {
        "launch-standalone",
        "client-public",
        "client-confidential-symmetric",
        "context-standalone-patient",
        "permission-patient",
        "permission-v1",
        "permission-v2",
        "permission-offline",
        "sso-openid-connect",
    } <= set(document["capabilities"])
    assert document["token_endpoint"] == f"{settings.PUBLIC_BASE_URL}/oauth/token/"
    assert document["management_endpoint"] == f"{settings.PUBLIC_BASE_URL}/account/apps/"


def test_openid_discovery_offers_the_code_flow_only_and_publishes_the_signing_key(db):
    discovery = Client().get("/oauth/.well-known/openid-configuration").json()
    keys = Client().get("/oauth/.well-known/jwks.json").json()

    assert discovery["response_types_supported"] == ["code"]
    assert discovery["issuer"] == settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"]
    assert keys["keys"][0]["kty"] == "RSA" and "d" not in keys["keys"][0]
