"""SMART App Launch endpoints: the discovery document, the consent screen (OAuth `authorize`),
and the toolkit's token, revocation and introspection endpoints with SMART's additions."""

from __future__ import annotations

import base64
import calendar
import hashlib
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as oauth_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import add_params_to_uri

from lantern.access.decorators import public, signed_in
from lantern.fhir_api import consent
from lantern.fhir_api.oauth import fhir_user_for, subject_id

SMART_CAPABILITIES = [
    "launch-standalone",
    "client-public",
    "client-confidential-symmetric",
    "context-standalone-patient",
    "permission-patient",
    "permission-v1",
    "permission-v2",
    "permission-offline",
    "permission-online",
    "sso-openid-connect",
]


def _absolute(name: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(name)


@public
@never_cache
def smart_configuration(request: HttpRequest) -> JsonResponse:
    """SMART's discovery document: always JSON, whatever the request accepts."""
    document = {
        "issuer": settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"],
        "jwks_uri": _absolute("oauth2_provider:jwks-info"),
        "authorization_endpoint": _absolute("oauth2_provider:authorize"),
        "token_endpoint": _absolute("oauth2_provider:token"),
        "revocation_endpoint": _absolute("oauth2_provider:revoke-token"),
        "introspection_endpoint": _absolute("oauth2_provider:introspect"),
        "userinfo_endpoint": _absolute("oauth2_provider:user-info"),
        "management_endpoint": _absolute("smart:connected_apps"),
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": [
            "openid",
            "fhirUser",
            "launch/patient",
            "offline_access",
            "online_access",
            "patient/*.rs",
            "patient/*.read",
            *consent.scopes_supported(),
        ],
        "code_challenge_methods_supported": ["S256"],
        "capabilities": SMART_CAPABILITIES,
    }
    return JsonResponse(document, content_type="application/json")


class _AuthorizeRefused(Exception):
    """The request is well formed OAuth but breaks a SMART rule (PKCE method, `aud`)."""


def _smart_rules_check(request: HttpRequest) -> None:
    """What SMART adds to an authorization request: S256 PKCE only and the FHIR base as `aud`."""
    query = request.GET
    if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
        raise _AuthorizeRefused("PKCE with code_challenge_method=S256 is required.")
    if query.get("aud", "").rstrip("/") != settings.FHIR_BASE_URL:
        raise _AuthorizeRefused(f"aud must be the FHIR base URL, {settings.FHIR_BASE_URL}.")


@method_decorator(never_cache, name="dispatch")
class AuthorizeView(OAuthLibMixin, View):
    """The consent screen: which app, what it asks for, for whom; then the code, or a refusal."""

    template = "fhir_api/authorize.html"

    def _validated(self, request: HttpRequest) -> tuple[list[str], dict[str, Any], Application]:
        scopes, credentials = self.validate_authorization_request(request)
        application = Application.objects.select_related("registration").get(
            client_id=credentials["client_id"]
        )
        return scopes, credentials, application

    def _refuse(self, request: HttpRequest, error: OAuthToolkitError | None, **context: Any):
        """Back to the app with an OAuth error when its redirect address is known and valid;
        otherwise a page that says the request could not be accepted."""
        if error is not None and error.oauthlib_error.redirect_uri:
            redirect, response = self.error_response(error)
            if redirect:
                return OAuth2ResponseRedirect(response["url"], ["http", "https"])
        return render(request, "fhir_api/authorize_error.html", context, status=400)

    def _smart_error(self, credentials: dict[str, Any], message: str) -> HttpResponse:
        """Back to the app (its redirect address was checked) with `invalid_request`."""
        params = {"error": "invalid_request", "error_description": message}
        if credentials.get("state"):
            params["state"] = credentials["state"]
        params["iss"] = settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"]
        return OAuth2ResponseRedirect(
            add_params_to_uri(credentials["redirect_uri"], list(params.items())),
            ["http", "https"],
        )

    def _prepare(self, request: HttpRequest):
        try:
            scopes, credentials, application = self._validated(request)
        except OAuthToolkitError as error:
            return None, self._refuse(request, error)
        try:
            _smart_rules_check(request)
        except _AuthorizeRefused as refused:
            return None, self._smart_error(credentials, str(refused))
        return (scopes, credentials, application), None

    def get(self, request: HttpRequest) -> HttpResponse:
        prepared, refusal = self._prepare(request)
        if refusal is not None:
            return refusal
        scopes, _credentials, application = prepared
        form = consent.ConsentForm(user=request.user, scope=" ".join(scopes))
        return self._page(request, form, application, scopes)

    def post(self, request: HttpRequest) -> HttpResponse:
        prepared, refusal = self._prepare(request)
        if refusal is not None:
            return refusal
        scopes, credentials, application = prepared
        if "deny" in request.POST:
            return self._answer(request, scopes, credentials, allow=False)
        form = consent.ConsentForm(request.POST, user=request.user, scope=" ".join(scopes))
        if not form.is_valid():
            return self._page(request, form, application, scopes, status=400)
        authorization = consent.consent_give(
            form=form, application=application, requested_scope=" ".join(scopes)
        )
        credentials["lantern_authorization_id"] = authorization.pk
        return self._answer(request, authorization.scope.split(), credentials, allow=True)

    def _answer(self, request, scopes, credentials, *, allow: bool) -> HttpResponse:
        credentials.pop("request", None)
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request, " ".join(scopes), credentials, allow
            )
        except OAuthToolkitError as error:
            return self._refuse(request, error)
        return OAuth2ResponseRedirect(uri, ["http", "https"])

    def _page(self, request, form, application, scopes, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "application": application,
            "keeps_access": bool({"offline_access", "online_access"} & set(scopes)),
            "knows_who": "openid" in scopes or "fhirUser" in scopes,
        }
        return render(request, self.template, context, status=status)


authorize = signed_in(AuthorizeView.as_view())


def _client_id_of(request: HttpRequest) -> str | None:
    """The client that authenticated with its own credentials (HTTP Basic or the form), or None
    for a caller that showed a bearer token with the `introspection` scope."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return ""
        return unquote_plus(decoded.partition(":")[0])
    return request.POST.get("client_id") or None


class IntrospectView(oauth_views.IntrospectTokenView):
    """RFC 7662 with SMART's fields: the launch context (`patient`), and `iss`, `sub` and
    `fhirUser` when an id_token was issued. A client that authenticates with its own
    credentials learns about its own tokens only."""

    def get_token_response(self, token_value=None):  # type: ignore[override]
        if token_value is None:
            return JsonResponse(
                {"error": "invalid_request", "error_description": "Token parameter is missing."},
                status=400,
            )
        checksum = hashlib.sha256(token_value.encode("utf-8")).hexdigest()
        token = (
            AccessToken.objects.select_related(
                "application__registration",
                "launch__authorization__user",
                "launch__authorization__patient",
            )
            .filter(
                token_checksum=checksum,
                launch__authorization__revoked_at__isnull=True,
                application__registration__disabled_at__isnull=True,
            )
            .first()
        )
        asking = _client_id_of(self.request)
        if (
            token is None
            or not token.is_valid()
            or (asking is not None and asking != token.application.client_id)
        ):
            return JsonResponse({"active": False})
        authorization = token.launch.authorization
        data = {
            "active": True,
            "scope": token.scope,
            "client_id": token.application.client_id,
            "exp": int(calendar.timegm(token.expires.utctimetuple())),
            "patient": str(authorization.patient_id),
        }
        if token.id_token_id:
            data["iss"] = settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"]
            data["sub"] = subject_id(authorization.user)
            data["fhirUser"] = fhir_user_for(authorization)
        return JsonResponse(data)

    def post(self, request, *args, **kwargs):
        return self.get_token_response(request.POST.get("token", None))

    def get(self, request, *args, **kwargs):
        return JsonResponse({"error": "invalid_request"}, status=405)


token = public(csrf_exempt(oauth_views.TokenView.as_view()))
revoke_token = public(csrf_exempt(oauth_views.RevokeTokenView.as_view()))
introspect = public(csrf_exempt(IntrospectView.as_view()))
jwks = public(oauth_views.JwksInfoView.as_view())
openid_configuration = public(oauth_views.ConnectDiscoveryInfoView.as_view())
user_info = public(csrf_exempt(oauth_views.UserInfoView.as_view()))
